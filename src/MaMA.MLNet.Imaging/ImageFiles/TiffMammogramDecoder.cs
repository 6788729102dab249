using SixLabors.ImageSharp;

namespace MaMA.MLNet.Imaging.ImageFiles;

/// <summary>TIFF (classic, not BigTIFF): 8- or 16-bit grayscale or RGB; multi-page files select a page with the frame index.</summary>
public sealed class TiffMammogramDecoder : ImageSharpMammogramDecoder
{
    /// <inheritdoc />
    public override string FormatName => "TIFF";

    /// <inheritdoc />
    public override bool CanDecode(ReadOnlySpan<byte> head) =>
        head.StartsWith("II*\0"u8) || head.StartsWith("MM\0*"u8);

    // 16 (gray), 48 (RGB) and 64 (RGBA) bits per pixel are the 16-bit-per-sample layouts.
    /// <inheritdoc />
    protected override bool IsSixteenBit(IImageInfo info) => info.PixelType.BitsPerPixel is 16 or 48 or 64;
}
