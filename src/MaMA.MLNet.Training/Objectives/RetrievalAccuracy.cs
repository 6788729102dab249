using static TorchSharp.torch;

namespace MaMA.MLNet.Training;

/// <summary>
/// Retrieval top-k accuracy of a square similarity matrix whose diagonal holds the matching pairs (CLIP logits:
/// row i is image i against every caption). MaMA logs top-1 and top-5 of the image-to-text logits (spec §4).
/// </summary>
public static class RetrievalAccuracy
{
    /// <summary>
    /// The fraction of rows whose diagonal entry is among the row's <paramref name="k"/> largest (ties broken by
    /// <c>topk</c>'s order). <paramref name="k"/> larger than the row count counts every row as a hit.
    /// </summary>
    /// <exception cref="ArgumentException">The matrix is not square, or k is below 1.</exception>
    public static double TopK(Tensor logits, int k)
    {
        if (logits.dim() != 2 || logits.shape[0] != logits.shape[1])
            throw new ArgumentException($"Retrieval logits must be a square matrix, not [{string.Join(", ", logits.shape)}].", nameof(logits));
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        long n = logits.shape[0];
        if (n == 0) return 0.0;
        var top = logits.detach().topk((int)Math.Min(k, n), dim: 1).indexes;
        var targets = arange(n, device: logits.device).unsqueeze(1);
        return top.eq(targets).any(1).to_type(ScalarType.Float64).mean().item<double>();
    }
}
