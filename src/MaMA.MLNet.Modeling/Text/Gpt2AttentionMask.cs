using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Text;

/// <summary>Builds the boolean attention mask that combines causality with a padding mask.</summary>
public static class Gpt2AttentionMask
{
    /// <summary>
    /// From a padding mask [B, S] (1/true for real tokens) returns [B, 1, S, S], true where query i may attend
    /// key j: j &lt;= i and key j is a real token. This is what Hugging Face GPT-2 computes, so hidden states
    /// at padded positions (which the reference's plain mean includes) match too. A query row with no key
    /// left (only when a sequence starts with padding) falls back to plain causal attention instead of
    /// producing NaN, as Hugging Face's SDPA path does.
    /// </summary>
    public static Tensor Build(Tensor paddingMask)
    {
        if (paddingMask.dim() != 2)
            throw new ArgumentException($"The attention mask must be [batch, sequence], got [{string.Join(", ", paddingMask.shape)}].", nameof(paddingMask));
        long s = paddingMask.shape[1];
        var causal = ones(s, s, dtype: ScalarType.Bool, device: paddingMask.device).tril();
        var keyIsReal = paddingMask.to(ScalarType.Bool).view(paddingMask.shape[0], 1, 1, s);
        var allowed = causal.unsqueeze(0).unsqueeze(0).logical_and(keyIsReal);
        var rowHasKey = allowed.any(-1, keepdim: true);
        return where(rowHasKey, allowed, causal.unsqueeze(0).unsqueeze(0));
    }
}
