using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Vision;

/// <summary>What the image encoder returns for a batch of B images on a gh x gw patch grid.</summary>
/// <param name="PooledFeature">
/// [B, D]: the mean over all tokens (CLS, registers, patches) of the last block's output before the final norm
/// (MaMA's <c>--pool_feat</c>, following FLIP); the global image feature.
/// </param>
/// <param name="ClsToken">[B, D]: the CLS token after the final norm (DINOv2 <c>x_norm_clstoken</c>).</param>
/// <param name="PatchTokens">[B, gh*gw, D]: patch tokens after the final norm, row-major (DINOv2 <c>x_norm_patchtokens</c>).</param>
/// <param name="GridHeight">Patch rows gh.</param>
/// <param name="GridWidth">Patch columns gw.</param>
public sealed record VisionTransformerOutput(Tensor PooledFeature, Tensor ClsToken, Tensor PatchTokens, long GridHeight, long GridWidth)
{
    /// <summary>Moves all three tensors to the enclosing dispose scope (call inside a scope that is about to end).</summary>
    public VisionTransformerOutput MoveToOuterDisposeScope()
    {
        PooledFeature.MoveToOuterDisposeScope();
        ClsToken.MoveToOuterDisposeScope();
        PatchTokens.MoveToOuterDisposeScope();
        return this;
    }
}
