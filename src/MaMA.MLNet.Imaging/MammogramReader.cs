using MaMA.MLNet.Imaging.ImageFiles;

namespace MaMA.MLNet.Imaging;

/// <summary>
/// Reads a mammogram from any registered format: sniffs the first bytes and hands the stream to the first
/// <see cref="IMammogramDecoder"/> that recognises them; file extensions never matter.
/// </summary>
/// <remarks>
/// <see cref="Default"/> starts with <see cref="BuiltInDecoders()"/>; another format (DICOM) is added with one
/// call to <see cref="Register"/>, or by listing it in <see cref="BuiltInDecoders()"/>. Reading is thread-safe,
/// and so is registering (the decoder list is replaced, never changed in place).
/// </remarks>
public sealed class MammogramReader
{
    /// <summary>How many leading bytes decoders see in <see cref="IMammogramDecoder.CanDecode"/>.</summary>
    public const int HeadLength = 256;

    private IMammogramDecoder[] _decoders;
    private readonly Lock _registerLock = new();

    /// <summary>A reader trying <paramref name="decoders"/> in order.</summary>
    public MammogramReader(IEnumerable<IMammogramDecoder> decoders)
    {
        ArgumentNullException.ThrowIfNull(decoders);
        _decoders = decoders.ToArray();
        foreach (IMammogramDecoder d in _decoders) ArgumentNullException.ThrowIfNull(d, nameof(decoders));
    }

    /// <summary>A reader with <see cref="BuiltInDecoders()"/> under <see cref="DecodeLimits.Default"/>.</summary>
    public MammogramReader() : this(BuiltInDecoders()) { }

    /// <summary>A reader with <see cref="BuiltInDecoders(DecodeLimits)"/>: the built-in formats under <paramref name="limits"/>.</summary>
    public MammogramReader(DecodeLimits limits) : this(BuiltInDecoders(limits)) { }

    /// <summary>The shared reader that <see cref="Read(string, int)"/> uses.</summary>
    public static MammogramReader Default { get; } = new();

    /// <summary>The decoders this library ships: DICOM (ours), PNG, JPEG, TIFF (ImageSharp) and binary PGM.</summary>
    public static IReadOnlyList<IMammogramDecoder> BuiltInDecoders() => BuiltInDecoders(DecodeLimits.Default);

    /// <summary>The decoders this library ships, each under <paramref name="limits"/> (largest image, largest inflated data set, memory gate).</summary>
    public static IReadOnlyList<IMammogramDecoder> BuiltInDecoders(DecodeLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return [new Dicom.DicomMammogramDecoder(limits), new PngMammogramDecoder { Limits = limits }, new JpegMammogramDecoder { Limits = limits },
                new TiffMammogramDecoder { Limits = limits }, new PgmMammogramDecoder { Limits = limits }];
    }

    /// <summary>The decoders in the order they are tried.</summary>
    public IReadOnlyList<IMammogramDecoder> Decoders => _decoders;

    /// <summary>Adds <paramref name="decoder"/> ahead of the others, so it can also take over a format a built-in decoder handles.</summary>
    public void Register(IMammogramDecoder decoder)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        lock (_registerLock) _decoders = [decoder, .. _decoders];
    }

    /// <summary>Reads frame <paramref name="frame"/> of the file at <paramref name="path"/> with <see cref="Default"/>.</summary>
    /// <exception cref="MammogramReadException">The file is missing, unreadable, of an unknown format, or malformed.</exception>
    public static Mammogram Read(string path, int frame = 0) => Default.ReadFile(path, frame);

    /// <summary>Reads frame <paramref name="frame"/> of the file at <paramref name="path"/>.</summary>
    /// <exception cref="MammogramReadException">The file is missing, unreadable, of an unknown format, or malformed.</exception>
    public Mammogram ReadFile(string path, int frame = 0)
    {
        ArgumentNullException.ThrowIfNull(path);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new MammogramReadException(path, e is FileNotFoundException or DirectoryNotFoundException ? "file not found" : $"cannot open: {e.Message}", e);
        }
        using (stream) return ReadStream(stream, path, frame);
    }

    /// <summary>Reads frame <paramref name="frame"/> from in-memory file bytes; <paramref name="source"/> names them in messages.</summary>
    public Mammogram ReadBytes(ReadOnlyMemory<byte> bytes, string source, int frame = 0)
    {
        using var stream = new MemoryStream(bytes.ToArray(), writable: false);
        return ReadStream(stream, source, frame);
    }

    /// <summary>
    /// Reads frame <paramref name="frame"/> from <paramref name="stream"/> (from its current position; a stream
    /// that cannot seek is copied to memory first).
    /// </summary>
    public Mammogram ReadStream(Stream stream, string source, int frame = 0)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(source);
        try
        {
            if (!stream.CanSeek)
            {
                var copy = new MemoryStream();
                stream.CopyTo(copy);
                copy.Position = 0;
                stream = copy;
            }
            long start = stream.Position;
            Span<byte> head = stackalloc byte[HeadLength];
            int length = stream.ReadAtLeast(head, HeadLength, throwOnEndOfStream: false);
            head = head[..length];
            stream.Position = start;
            if (length == 0) throw new MammogramReadException(source, "file is empty");

            // The message describes the bytes but never shows them: the path may come from someone else's manifest
            // and point at a file (a key, a password list) its reader may not see.
            IMammogramDecoder decoder = FindDecoder(head)
                ?? throw new MammogramReadException(source, $"unknown image format{(LooksLikeText(head) ? " (the file looks like text)" : "")}; "
                    + $"readers for {string.Join(", ", _decoders.Select(d => d.FormatName))} are registered");
            return decoder.Decode(stream, source, frame);
        }
        catch (MammogramReadException) { throw; }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            throw new MammogramReadException(source, $"read failed: {e.Message}", e);
        }
    }

    // Printable ASCII, white space and UTF-8 lead/continuation bytes only: what a text file starts with.
    private static bool LooksLikeText(ReadOnlySpan<byte> head)
    {
        foreach (byte b in head)
            if (b < 0x20 && b is not (byte)'\t' and not (byte)'\n' and not (byte)'\r' || b == 0x7F) return false;
        return true;
    }

    /// <summary>The first decoder that recognises <paramref name="head"/>, or null.</summary>
    public IMammogramDecoder? FindDecoder(ReadOnlySpan<byte> head)
    {
        foreach (IMammogramDecoder d in _decoders)
            if (d.CanDecode(head)) return d;
        return null;
    }
}
