using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Text;

/// <summary>How the global text feature pools the hidden states over the sequence.</summary>
public enum TextPooling
{
    /// <summary>Mean over real tokens only (attention mask 1): independent of how much padding a batch has.</summary>
    MaskedMean,

    /// <summary>
    /// The reference's <c>--pool_txt_feat</c>: plain mean over every position, padding included (all 144 for
    /// MaMA captions). Needed to reproduce reference checkpoints.
    /// </summary>
    PaddedMean,
}

/// <summary>Sentence features for the local loss: one row per sep token, padded to the batch's most sentences.</summary>
/// <param name="Features">[B, Smax, D]; rows past a caption's sentence count are zero.</param>
/// <param name="Mask">[B, Smax] bool, true for a real sentence.</param>
public sealed record SentenceFeatures(Tensor Features, Tensor Mask) : IDisposable
{
    /// <summary>Disposes both tensors.</summary>
    public void Dispose()
    {
        Features.Dispose();
        Mask.Dispose();
    }
}

/// <summary>Turns the encoder's last hidden state into MaMA's global and sentence text features.</summary>
public static class TextFeatures
{
    /// <summary>
    /// Pools hidden states [B, S, D] into [B, D]. <paramref name="attentionMask"/> [B, S] (1 real, 0 padding) is
    /// used by <see cref="TextPooling.MaskedMean"/>; a caption with no real token gets a zero feature.
    /// </summary>
    public static Tensor Global(Tensor hidden, Tensor attentionMask, TextPooling pooling = TextPooling.MaskedMean)
    {
        CheckHidden(hidden, attentionMask, nameof(attentionMask));
        if (pooling == TextPooling.PaddedMean) return hidden.mean([1]);
        using var scope = NewDisposeScope();
        var weights = attentionMask.to(hidden.dtype).unsqueeze(-1);
        var sum = hidden.mul(weights).sum(1);
        var count = weights.sum(1).AtLeast(1);
        return sum.div(count).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The hidden states at the positions where <paramref name="inputIds"/> [B, S] holds <paramref name="sepId"/>,
    /// in order, padded to the largest sentence count in the batch.
    /// </summary>
    public static SentenceFeatures AtSeparators(Tensor hidden, Tensor inputIds, long sepId)
    {
        CheckHidden(hidden, inputIds, nameof(inputIds));
        using var scope = NewDisposeScope();
        long b = hidden.shape[0], d = hidden.shape[2];
        var isSep = inputIds.EqualTo(sepId);
        long[] counts = isSep.sum(1).to(ScalarType.Int64).cpu().data<long>().ToArray();
        long smax = counts.Length == 0 ? 0 : counts.Max();
        // A stable sort puts each row's sep positions first, in order; the first Smax columns are gathered.
        var order = isSep.to(ScalarType.Int32).sort(dim: 1, descending: true, stable: true).Indices.narrow(1, 0, Math.Min(smax, inputIds.shape[1]));
        var mask = ExplicitScalars.Range(smax, hidden.device).unsqueeze(0).lt(tensor(counts, device: hidden.device).unsqueeze(1));
        var gathered = hidden.gather(1, order.unsqueeze(-1).expand(b, smax, d));
        var features = gathered.mul(mask.unsqueeze(-1).to(hidden.dtype));
        return new SentenceFeatures(features.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope());
    }

    private static void CheckHidden(Tensor hidden, Tensor perToken, string name)
    {
        if (hidden.dim() != 3)
            throw new ArgumentException($"Hidden states must be [batch, sequence, width], got [{string.Join(", ", hidden.shape)}].", nameof(hidden));
        if (perToken.dim() != 2 || perToken.shape[0] != hidden.shape[0] || perToken.shape[1] != hidden.shape[1])
            throw new ArgumentException(
                $"{name} must be [batch, sequence] = [{hidden.shape[0]}, {hidden.shape[1]}], got [{string.Join(", ", perToken.shape)}].", name);
    }
}
