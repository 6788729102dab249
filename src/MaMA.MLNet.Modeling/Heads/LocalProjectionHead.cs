using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Heads;

/// <summary>
/// The local (per-token) projection of MaMA: Conv1d(D -> 2048, k=1) - BatchNorm1d - ReLU - Conv1d(2048 -> 512, k=1)
/// - BatchNorm1d(affine=false), applied to every token of [B, T, D] and returning [B, T, 512]. The batch norms
/// pool statistics over batch and tokens. Submodules are named <c>head.0</c>, <c>head.1</c>, <c>head.3</c>,
/// <c>head.4</c> (index 2 is the parameterless ReLU), as the reference's <c>LocalEmbedding</c>.
/// </summary>
public sealed class LocalProjectionHead : nn.Module<Tensor, Tensor>
{
    private readonly Sequential head;

    /// <summary>Creates inputDim -> hiddenDim -> outputDim.</summary>
    public LocalProjectionHead(long inputDim, long hiddenDim = 2048, long outputDim = 512) : base(nameof(LocalProjectionHead))
    {
        head = nn.Sequential(
            ("0", nn.Conv1d(inputDim, hiddenDim, kernel_size: 1)),
            ("1", new TrackedBatchNorm1d(hiddenDim)),
            ("2", nn.ReLU()),
            ("3", nn.Conv1d(hiddenDim, outputDim, kernel_size: 1)),
            ("4", new TrackedBatchNorm1d(outputDim, affine: false)));
        register_module("head", head);
    }

    /// <summary>Projects tokens [B, T, D] to [B, T, outputDim].</summary>
    public override Tensor forward(Tensor tokens)
    {
        if (tokens.dim() != 3) throw new ArgumentException($"Expected tokens shaped [B, T, D], got [{string.Join(", ", tokens.shape)}].", nameof(tokens));
        using var scope = NewDisposeScope();
        return head.forward(tokens.permute(0, 2, 1)).permute(0, 2, 1).contiguous().MoveToOuterDisposeScope();
    }
}
