using MaMA.MLNet.Imaging.Pixels;

namespace MaMA.MLNet.Imaging.ImageFiles;

/// <summary>
/// Binary PGM (Netpbm P5), 8-bit (maxval &lt; 256) or 16-bit big-endian (maxval 256-65535). ImageSharp 2.1 has
/// no Netpbm support (it arrived in 3.0), and P5 is a short text header followed by raw samples, so it is
/// parsed here. Only the first image of a file is read.
/// </summary>
public sealed class PgmMammogramDecoder : IMammogramDecoder
{
    /// <inheritdoc />
    public string FormatName => "PGM";

    /// <summary>The decode budget (largest image, memory gate), checked from the header before samples are read.</summary>
    public DecodeLimits Limits { get; init; } = DecodeLimits.Default;

    /// <inheritdoc />
    public bool CanDecode(ReadOnlySpan<byte> head) => head.Length >= 3 && head[0] == 'P' && head[1] == '5' && IsSpace(head[2]);

    /// <inheritdoc />
    public Mammogram Decode(Stream stream, string source, int frame = 0)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(source);
        if (frame != 0) throw new MammogramReadException(source, $"frame {frame} requested, a PGM file has one");
        if (stream.ReadByte() != 'P' || stream.ReadByte() != '5') throw new MammogramReadException(source, "not a binary PGM file (no P5 magic)");
        int width = ReadHeaderNumber(stream, source, "width");
        int height = ReadHeaderNumber(stream, source, "height");
        int maxValue = ReadHeaderNumber(stream, source, "maxval");
        if (width <= 0 || height <= 0) throw new MammogramReadException(source, $"PGM size {width}x{height} is empty");
        Limits.CheckFrame(source, FormatName, width, height);
        if (maxValue is <= 0 or > 65535) throw new MammogramReadException(source, $"PGM maxval {maxValue} is outside 1-65535");

        int bytesPerSample = maxValue < 256 ? 1 : 2;
        long needed = (long)width * height * bytesPerSample;
        if (stream.CanSeek && stream.Length - stream.Position < needed)
            throw new MammogramReadException(source, $"PGM truncated: {width}x{height} needs {needed} bytes of samples, {stream.Length - stream.Position} remain");
        using var admitted = Limits.Admit((long)width * height);
        var raw = new byte[needed];
        int read = stream.ReadAtLeast(raw, raw.Length, throwOnEndOfStream: false);
        if (read < raw.Length) throw new MammogramReadException(source, $"PGM truncated: {needed} bytes of samples expected, {read} read");
        var stored = new int[width * height];
        if (bytesPerSample == 1)
            for (int i = 0; i < stored.Length; i++) stored[i] = raw[i];
        else
            for (int i = 0; i < stored.Length; i++) stored[i] = (raw[2 * i] << 8) | raw[2 * i + 1];
        foreach (int v in stored)
            if (v > maxValue) throw new MammogramReadException(source, $"PGM sample {v} exceeds maxval {maxValue}");

        int bits = 32 - int.LeadingZeroCount(maxValue);
        var grayscale = new GrayscaleFrame(width, height, stored, bits, false);
        return new Mammogram(source, ImageFilePresentation.Header(width, height, bytesPerSample * 8, bits), grayscale, ImageFilePresentation.FullRange(maxValue));
    }

    // Skips whitespace and # comments, reads decimal digits, and consumes the single whitespace after them.
    private static int ReadHeaderNumber(Stream stream, string source, string field)
    {
        int b = stream.ReadByte();
        while (true)
        {
            if (b == '#') { while (b is not ('\n' or '\r' or -1)) b = stream.ReadByte(); }
            else if (b >= 0 && IsSpace((byte)b)) b = stream.ReadByte();
            else break;
        }
        if (b is < '0' or > '9') throw new MammogramReadException(source, $"PGM header: {field} is not a number");
        long value = 0;
        while (b is >= '0' and <= '9')
        {
            value = value * 10 + (b - '0');
            if (value > int.MaxValue) throw new MammogramReadException(source, $"PGM header: {field} is too large");
            b = stream.ReadByte();
        }
        if (b < 0 || !IsSpace((byte)b)) throw new MammogramReadException(source, $"PGM header: {field} is not followed by whitespace");
        return (int)value;
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\v' or (byte)'\f';
}
