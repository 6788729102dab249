using TorchSharp.Modules;

namespace MaMA.MLNet.Training;

/// <summary>Which parameters AdamW's decoupled weight decay applies to.</summary>
public enum WeightDecayMode
{
    /// <summary>
    /// open_clip's rule with timm's token names added: no decay for parameters with fewer than 2 dimensions (biases,
    /// norm weights, log-scales, LayerScale gammas), for names with a segment of a norm layer (<c>bn</c>, <c>ln</c>,
    /// <c>ln_1</c>, <c>ln_f</c>, <c>norm</c>, <c>norm1</c>, <c>layernorm</c>, <c>batchnorm</c>, ...), for names
    /// containing <c>bias</c>, <c>logit_scale</c> or <c>local_scale</c>, and for token and position embeddings
    /// (segments <c>cls_token</c>, <c>register_tokens</c>, <c>mask_token</c>, <c>pos_embed</c>, <c>wte</c>,
    /// <c>wpe</c>, or ending in <c>embedding</c>/<c>embeddings</c>). Linear, convolution and LoRA matrices decay.
    /// </summary>
    ExcludeBiasNormScaleEmbedding,

    /// <summary>Every trained parameter decays (what the MaMA reference does: <c>AdamW(self.parameters())</c>).</summary>
    All,
}

/// <summary>The rule behind <see cref="WeightDecayMode"/>.</summary>
public static class WeightDecayRule
{
    private static readonly HashSet<string> EmbeddingSegments =
        ["cls_token", "register_tokens", "mask_token", "pos_embed", "wte", "wpe", "class_embedding"];

    /// <summary>True when parameter <paramref name="name"/> of <paramref name="dimensions"/> dimensions gets weight decay.</summary>
    public static bool Decays(WeightDecayMode mode, string name, long dimensions)
    {
        if (mode == WeightDecayMode.All) return true;
        if (dimensions < 2) return false;
        if (name.Contains("bias", StringComparison.Ordinal) ||
            name.Contains("logit_scale", StringComparison.Ordinal) ||
            name.Contains("local_scale", StringComparison.Ordinal)) return false;
        foreach (string segment in name.Split('.'))
        {
            string s = segment.ToLowerInvariant();
            if (IsNormSegment(s) || EmbeddingSegments.Contains(s) ||
                s.EndsWith("embedding", StringComparison.Ordinal) || s.EndsWith("embeddings", StringComparison.Ordinal))
                return false;
        }
        return true;
    }

    /// <summary>Splits named parameters into (decay, no decay) lists, keeping their order.</summary>
    public static (List<(string Name, Parameter Parameter)> Decay, List<(string Name, Parameter Parameter)> NoDecay) Split(
        WeightDecayMode mode, IEnumerable<(string Name, Parameter Parameter)> parameters)
    {
        var decay = new List<(string, Parameter)>();
        var noDecay = new List<(string, Parameter)>();
        foreach (var (name, p) in parameters)
            (Decays(mode, name, p.dim()) ? decay : noDecay).Add((name, p));
        return (decay, noDecay);
    }

    // "ln", "ln_1", "ln_f", "bn", "bn1", "norm", "norm1", "layernorm", "layer_norm", "batchnorm", "final_layer_norm"
    private static bool IsNormSegment(string s)
    {
        string stem = s.TrimEnd('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '_');
        return stem is "ln" or "bn" or "ln_f" || stem.EndsWith("norm", StringComparison.Ordinal) ||
               s.StartsWith("ln_", StringComparison.Ordinal);
    }
}
