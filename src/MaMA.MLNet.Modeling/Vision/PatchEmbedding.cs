using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Vision;

/// <summary>
/// Cuts the image into non-overlapping patches and projects each to the token width with one strided convolution
/// (<c>proj</c>): [B, 3, H, W] -> [B, (H/p)(W/p), D], patches in row-major order. Pixels beyond the last whole
/// patch are ignored, as in DINOv2.
/// </summary>
public sealed class PatchEmbedding : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d proj;

    /// <summary>Creates the embedding for <paramref name="patchSize"/>-pixel patches of a 3-channel image.</summary>
    public PatchEmbedding(int patchSize, int width, int inChannels = 3) : base(nameof(PatchEmbedding))
    {
        PatchSize = patchSize;
        proj = nn.Conv2d(inChannels, width, kernel_size: patchSize, stride: patchSize, bias: true);
        register_module("proj", proj);
    }

    /// <summary>Patch side in pixels.</summary>
    public int PatchSize { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor images)
    {
        if (images.dim() != 4)
            throw new ArgumentException($"Expected images shaped [B, C, H, W], got [{string.Join(", ", images.shape)}].", nameof(images));
        if (images.shape[2] < PatchSize || images.shape[3] < PatchSize)
            throw new ArgumentException($"Image {images.shape[2]}x{images.shape[3]} is smaller than one {PatchSize}-pixel patch.", nameof(images));
        // [B, D, gh, gw] -> [B, gh*gw, D]
        return proj.forward(images).flatten(2).transpose(1, 2);
    }
}
