using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Losses;

/// <summary>
/// The symmetric CLIP loss. With L2-normalised image embeddings I [B, C], text embeddings T [B, C] and the log scale
/// t, logits = exp(t) I T^T and
/// <code>loss = CE(logits, diag) + CE(logits^T, diag)</code>
/// where CE is the mean cross-entropy over rows and the target of row i is column i. The two directions are summed,
/// not averaged, as in the reference. Inputs are not normalised here: the caller normalises, as the reference does.
/// </summary>
public sealed class ClipLoss : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    /// <summary>Creates the loss.</summary>
    public ClipLoss() : base(nameof(ClipLoss)) { }

    /// <summary>exp(<paramref name="logScale"/>) x image x text^T: [B, B], rows are images.</summary>
    public static Tensor Logits(Tensor image, Tensor text, Tensor logScale)
    {
        if (image.dim() != 2 || text.dim() != 2 || image.shape[0] != text.shape[0] || image.shape[1] != text.shape[1])
            throw new ArgumentException($"Expected two [B, C] embeddings of equal shape, got [{string.Join(", ", image.shape)}] and [{string.Join(", ", text.shape)}].");
        using var scope = NewDisposeScope();
        return (image.matmul(text.t()) * logScale.exp()).MoveToOuterDisposeScope();
    }

    /// <summary>CE(logits, diag) + CE(logits^T, diag) for any square logit matrix.</summary>
    public static Tensor SymmetricCrossEntropy(Tensor logits)
    {
        if (logits.dim() != 2 || logits.shape[0] != logits.shape[1])
            throw new ArgumentException($"Expected square logits, got [{string.Join(", ", logits.shape)}].", nameof(logits));
        using var scope = NewDisposeScope();
        var targets = ExplicitScalars.Range(logits.shape[0], logits.device);
        var loss = nn.functional.cross_entropy(logits, targets).Plus(nn.functional.cross_entropy(logits.t(), targets));
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>The loss for normalised image [B, C] and text [B, C] embeddings and log scale (a scalar tensor).</summary>
    public override Tensor forward(Tensor image, Tensor text, Tensor logScale)
    {
        using var scope = NewDisposeScope();
        return SymmetricCrossEntropy(Logits(image, text, logScale)).MoveToOuterDisposeScope();
    }
}
