namespace MaMA.MLNet.Modeling.MaMA;

/// <summary>
/// The value each MaMA loss term takes at chance: when the model's scores do not tell the matching pair from the
/// others (all logits of a row equal, as for a model that has learnt nothing), each cross-entropy over n candidates
/// is -log(1/n) = ln n. Each term is a sum of such cross-entropies (InfoNCE), so its chance value follows from its
/// definition and the contrastive batch B (the micro-batch every term ranks within):
/// <list type="bullet">
/// <item><see cref="MaMALosses.ImageText"/> and <see cref="MaMALosses.SecondViewText"/>: the CLIP loss sums the
/// image->text and text->image cross-entropies, each over B candidates (<c>ClipLoss</c>): 2 ln B.</item>
/// <item><see cref="MaMALosses.MultiView"/>: NT-Xent has 2B anchors, each ranking its positive among the 2B - 1 other
/// vectors (itself excluded), averaged (<c>NtXentLoss</c>): ln(2B - 1).</item>
/// <item><see cref="MaMALosses.LocalAlignment"/>: two symmetric CLIP cross-entropies, text->image and image->text
/// scores, each summing two directions over B candidates (<c>SymmetricLocalAlignmentLoss</c>): 4 ln B.</item>
/// </list>
/// A loss above its chance value ranks the true pairs below the others; a freshly initialised model with a large
/// logit scale may start there.
/// </summary>
public static class MaMALossChance
{
    /// <summary>The chance value of <paramref name="term"/> at contrastive batch <paramref name="batchSize"/>, or null for a term this does not know.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The batch has fewer than two samples (no negatives).</exception>
    public static double? Of(string term, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(term);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 2);
        double lnB = Math.Log(batchSize);
        return term switch
        {
            MaMALosses.ImageText or MaMALosses.SecondViewText => 2 * lnB,
            MaMALosses.MultiView => Math.Log(2.0 * batchSize - 1),
            MaMALosses.LocalAlignment => 4 * lnB,
            _ => null,
        };
    }
}
