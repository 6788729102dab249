using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Losses;

/// <summary>
/// MaMA's symmetric local alignment (SLA) loss. With L2-normalised patch embeddings P_i [patches, C] of image i,
/// sentence embeddings S_j [sentences_j, C] of caption j (padded to [B, Smax, C] with a mask of real sentences)
/// and the log scale t:
/// <code>
/// text->image  a(i, j) = mean over sentences s of caption j of ( max over patches p of P_i[p] . S_j[s] )
/// image->text  b(i, j) = mean over patches p of image i of ( max over sentences s of caption j of P_i[p] . S_j[s] )
/// loss = CE2(exp(t) a) + CE2(exp(t) b),   CE2(M) = CE(M, diag) + CE(M^T, diag)
/// </code>
/// Padded sentences never enter a max or a mean. Inputs are not normalised here: the caller normalises.
/// All pairs are scored at once ([B, B, patches, Smax] similarities), with no per-caption loop.
/// </summary>
public sealed class SymmetricLocalAlignmentLoss : nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor>
{
    /// <summary>Creates the loss.</summary>
    public SymmetricLocalAlignmentLoss() : base(nameof(SymmetricLocalAlignmentLoss)) { }

    /// <summary>The unscaled score matrices a (text->image) and b (image->text), both [B images, B captions].</summary>
    /// <param name="patches">[B, patches, C] patch embeddings.</param>
    /// <param name="sentences">[B, Smax, C] sentence embeddings, padded.</param>
    /// <param name="sentenceMask">[B, Smax] bool, true for real sentences; every caption needs at least one.</param>
    public static (Tensor TextToImage, Tensor ImageToText) Scores(Tensor patches, Tensor sentences, Tensor sentenceMask)
    {
        if (patches.dim() != 3 || sentences.dim() != 3 || patches.shape[0] != sentences.shape[0] || patches.shape[2] != sentences.shape[2])
            throw new ArgumentException($"Expected patches [B, P, C] and sentences [B, S, C], got [{string.Join(", ", patches.shape)}] and [{string.Join(", ", sentences.shape)}].");
        if (sentenceMask.dim() != 2 || sentenceMask.shape[0] != sentences.shape[0] || sentenceMask.shape[1] != sentences.shape[1])
            throw new ArgumentException($"Expected a sentence mask [{sentences.shape[0]}, {sentences.shape[1]}], got [{string.Join(", ", sentenceMask.shape)}].", nameof(sentenceMask));
        using var scope = NewDisposeScope();
        long b = patches.shape[0], p = patches.shape[1], s = sentences.shape[1], c = patches.shape[2];
        var mask = sentenceMask.to(ScalarType.Bool);
        var counts = mask.sum(1);
        if (counts.EqualTo(0).any().item<bool>())
            throw new ArgumentException("Every caption needs at least one sentence; the mask has a caption without any.", nameof(sentenceMask));

        // sim[i, j, p, s] = P_i[p] . S_j[s], from one [B*P, C] x [C, B*S] product.
        var sim = patches.reshape(b * p, c).matmul(sentences.reshape(b * s, c).t()).view(b, p, b, s).permute(0, 2, 1, 3);
        var realSentence = mask.view(1, b, 1, s);

        var bestPatch = sim.amax([2]);                                              // [B, B, S]
        var textToImage = bestPatch.FilledWhere(realSentence.squeeze(2).logical_not(), ExplicitScalars.Zero).sum(2) / counts.view(1, b).to(sim.dtype);
        var bestSentence = sim.FilledWhere(realSentence.logical_not(), ExplicitScalars.NegativeInfinity).amax([3]); // [B, B, P]
        var imageToText = bestSentence.mean([2]);
        return (textToImage.MoveToOuterDisposeScope(), imageToText.MoveToOuterDisposeScope());
    }

    /// <summary>The loss for patches [B, P, C], sentences [B, Smax, C], sentence mask [B, Smax] and log scale.</summary>
    public override Tensor forward(Tensor patches, Tensor sentences, Tensor sentenceMask, Tensor logScale)
    {
        using var scope = NewDisposeScope();
        var (textToImage, imageToText) = Scores(patches, sentences, sentenceMask);
        var scale = logScale.exp();
        var loss = ClipLoss.SymmetricCrossEntropy(textToImage * scale).Plus(ClipLoss.SymmetricCrossEntropy(imageToText * scale));
        return loss.MoveToOuterDisposeScope();
    }
}
