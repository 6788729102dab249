using MaMA.MLNet.Imaging.Pixels;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace MaMA.MLNet.Imaging.ImageFiles;

/// <summary>
/// Base of the decoders that go through SixLabors.ImageSharp. Colour images become grayscale with ImageSharp's
/// BT.709 luminance; files with more than 8 bits per sample (16-bit PNG, 16-bit TIFF) load as 16-bit values,
/// all others as 8-bit, so stored values keep the file's precision.
/// </summary>
public abstract class ImageSharpMammogramDecoder : IMammogramDecoder
{
    /// <summary>The decode budget (largest image, memory gate), checked from the header before pixels are allocated.</summary>
    public DecodeLimits Limits { get; init; } = DecodeLimits.Default;

    /// <inheritdoc />
    public abstract string FormatName { get; }

    /// <inheritdoc />
    public abstract bool CanDecode(ReadOnlySpan<byte> head);

    /// <summary>True when the file holds more than 8 bits per sample.</summary>
    protected abstract bool IsSixteenBit(IImageInfo info);

    /// <inheritdoc />
    public Mammogram Decode(Stream stream, string source, int frame = 0)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(source);
        try
        {
            long start = stream.Position;
            IImageInfo? info = Image.Identify(stream);
            if (info is null) throw new MammogramReadException(source, $"not a readable {FormatName} file");
            if (info.Width <= 0 || info.Height <= 0)
                throw new MammogramReadException(source, $"{FormatName} image size {info.Width}x{info.Height} is empty");
            Limits.CheckFrame(source, FormatName, info.Width, info.Height);
            bool sixteen = IsSixteenBit(info);
            stream.Position = start;
            using var admitted = Limits.Admit((long)info.Width * info.Height);
            return sixteen ? Load<L16>(stream, source, frame, 16, p => p.PackedValue) : Load<L8>(stream, source, frame, 8, p => p.PackedValue);
        }
        catch (MammogramReadException) { throw; }
        catch (Exception e) when (e is ImageFormatException or NotSupportedException or InvalidDataException or IOException or ArgumentException)
        {
            throw new MammogramReadException(source, $"{FormatName} decoding failed: {e.Message}", e);
        }
    }

    private Mammogram Load<TPixel>(Stream stream, string source, int frame, int bits, Func<TPixel, int> value)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        using Image<TPixel> image = Image.Load<TPixel>(stream);
        if (frame < 0 || frame >= image.Frames.Count)
            throw new MammogramReadException(source, $"frame {frame} requested, the {FormatName} file has {image.Frames.Count}");
        ImageFrame<TPixel> selected = image.Frames[frame];
        var pixels = new TPixel[selected.Width * selected.Height];
        selected.CopyPixelDataTo(pixels);
        var stored = new int[pixels.Length];
        for (int i = 0; i < pixels.Length; i++) stored[i] = value(pixels[i]);
        var grayscale = new GrayscaleFrame(selected.Width, selected.Height, stored, bits, false);
        MammographyHeader header = ImageFilePresentation.Header(selected.Width, selected.Height, bits, bits) with { NumberOfFrames = image.Frames.Count };
        return new Mammogram(source, header, grayscale, ImageFilePresentation.FullRange((1 << bits) - 1));
    }

    /// <summary>PNG bit depth from the file's metadata.</summary>
    protected static bool IsSixteenBitPng(IImageInfo info) => info.Metadata.GetPngMetadata().BitDepth == PngBitDepth.Bit16;
}
