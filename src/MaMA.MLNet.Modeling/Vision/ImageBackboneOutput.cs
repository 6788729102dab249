using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Vision;

/// <summary>What either image backbone gives the MaMA heads for a batch of B images.</summary>
/// <param name="PooledFeature">[B, D]: the global image feature (ViT: mean of the pre-norm tokens; ResNet: average-pooled last feature map).</param>
/// <param name="PatchTokens">[B, gh*gw, D]: the local features, row-major (ViT: normed patch tokens; ResNet: the last feature map's cells).</param>
/// <param name="GridHeight">Rows gh of the local grid.</param>
/// <param name="GridWidth">Columns gw of the local grid.</param>
public sealed record ImageBackboneOutput(Tensor PooledFeature, Tensor PatchTokens, long GridHeight, long GridWidth)
{
    /// <summary>The transformer's output without its CLS token.</summary>
    public static ImageBackboneOutput From(VisionTransformerOutput output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return new ImageBackboneOutput(output.PooledFeature, output.PatchTokens, output.GridHeight, output.GridWidth);
    }
}
