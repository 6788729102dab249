using SixLabors.ImageSharp;

namespace MaMA.MLNet.Imaging.ImageFiles;

/// <summary>JPEG (baseline and progressive, 8-bit): grayscale or colour converted to gray.</summary>
public sealed class JpegMammogramDecoder : ImageSharpMammogramDecoder
{
    /// <inheritdoc />
    public override string FormatName => "JPEG";

    /// <inheritdoc />
    public override bool CanDecode(ReadOnlySpan<byte> head) => head.Length >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF;

    /// <inheritdoc />
    protected override bool IsSixteenBit(IImageInfo info) => false;
}
