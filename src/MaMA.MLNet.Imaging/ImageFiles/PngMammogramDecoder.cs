using SixLabors.ImageSharp;

namespace MaMA.MLNet.Imaging.ImageFiles;

/// <summary>PNG: 1-16-bit grayscale, palette and RGB(A); 16-bit files keep their 16-bit values.</summary>
public sealed class PngMammogramDecoder : ImageSharpMammogramDecoder
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <inheritdoc />
    public override string FormatName => "PNG";

    /// <inheritdoc />
    public override bool CanDecode(ReadOnlySpan<byte> head) => head.StartsWith(Signature);

    /// <inheritdoc />
    protected override bool IsSixteenBit(IImageInfo info) => IsSixteenBitPng(info);
}
