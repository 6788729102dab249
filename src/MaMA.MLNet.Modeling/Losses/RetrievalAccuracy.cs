using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Losses;

/// <summary>
/// Top-k retrieval accuracy of a square logit matrix whose correct match for row i is column i: the share of rows
/// (image -> text) and of columns (text -> image) whose match ranks among the k largest, averaged over both
/// directions as the reference logs it (the reference reports percent; these are fractions in [0, 1]).
/// </summary>
public static class RetrievalAccuracy
{
    /// <summary>Top-1 and top-5 accuracy, averaged over both directions.</summary>
    public static (double Top1, double Top5) Compute(Tensor logits) =>
        (Bidirectional(logits, 1), Bidirectional(logits, 5));

    /// <summary>(rows + columns) / 2 top-<paramref name="k"/> accuracy.</summary>
    public static double Bidirectional(Tensor logits, int k)
    {
        using var scope = NewDisposeScope();
        return (RowTopK(logits, k) + RowTopK(logits.t(), k)) / 2.0;
    }

    /// <summary>
    /// Share of rows i whose column i is among the row's k largest entries; k is capped at the column count, so
    /// a batch smaller than k counts every row as a hit.
    /// </summary>
    public static double RowTopK(Tensor logits, int k)
    {
        if (logits.dim() != 2 || logits.shape[0] != logits.shape[1])
            throw new ArgumentException($"Expected square logits, got [{string.Join(", ", logits.shape)}].", nameof(logits));
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int kk = (int)Math.Min(k, logits.shape[1]);
        var (_, indices) = logits.topk(kk, dim: 1);
        var targets = ExplicitScalars.Range(logits.shape[0], logits.device).unsqueeze(1);
        return indices.eq(targets).any(1).to(ScalarType.Float64).mean().item<double>();
    }
}
