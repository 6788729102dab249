using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.MaMA;

/// <summary>
/// One pretraining batch of B studies. The tensors stay owned by the caller.
/// </summary>
/// <param name="Pixels">[B, 3, H, W] float, normalised: the first view of each study.</param>
/// <param name="SecondViewPixels">[B, 3, H, W] float: another image of the same study (the multi-view positive), or null.</param>
/// <param name="InputIds">[B, T] int64: the captions of the first views, right-padded.</param>
/// <param name="AttentionMask">[B, T] int64 or bool: 1 for real tokens.</param>
/// <param name="SentencePositions">[B, Smax] int64: positions of the sep tokens in each caption, padded with 0.</param>
/// <param name="SentenceMask">[B, Smax] bool: true for a real sentence.</param>
public sealed record MaMABatch(Tensor Pixels, Tensor? SecondViewPixels, Tensor InputIds, Tensor AttentionMask, Tensor SentencePositions, Tensor SentenceMask)
{
    /// <summary>
    /// A batch whose sentence positions are found from <paramref name="inputIds"/>: every occurrence of
    /// <paramref name="separatorId"/> (<see cref="MaMAConfig.SeparatorTokenId"/>) ends a sentence. The position
    /// tensors belong to the current dispose scope.
    /// </summary>
    public static MaMABatch Create(Tensor pixels, Tensor? secondViewPixels, Tensor inputIds, Tensor attentionMask, long separatorId)
    {
        var (positions, mask) = FindSentences(inputIds, separatorId);
        return new MaMABatch(pixels, secondViewPixels, inputIds, attentionMask, positions, mask);
    }

    /// <summary>
    /// Positions [B, Smax] of <paramref name="separatorId"/> in each row of <paramref name="inputIds"/> [B, T], in
    /// order, padded with 0, and the mask [B, Smax] of real entries. Smax is the largest count in the batch.
    /// </summary>
    public static (Tensor Positions, Tensor Mask) FindSentences(Tensor inputIds, long separatorId)
    {
        if (inputIds.dim() != 2) throw new ArgumentException($"Token ids must be [B, T], got [{string.Join(", ", inputIds.shape)}].", nameof(inputIds));
        using var scope = NewDisposeScope();
        var isSep = inputIds.EqualTo(separatorId);
        var counts = isSep.sum(1).to(ScalarType.Int64);
        long smax = inputIds.numel() == 0 ? 0 : counts.max().item<long>();
        // Keys t for separators and T + t for the rest are distinct, so an ascending sort lists each row's
        // separator positions first, in order, without relying on sort stability.
        long length = inputIds.shape[1];
        var t = ExplicitScalars.Range(length, inputIds.device).unsqueeze(0).expand_as(inputIds);
        var order = where(isSep, t, t.Plus(length)).argsort(dim: 1).narrow(1, 0, smax);
        var mask = ExplicitScalars.Range(smax, inputIds.device).unsqueeze(0).lt(counts.unsqueeze(1));
        var positions = order.mul(mask.to(ScalarType.Int64));
        return (positions.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope());
    }
}
