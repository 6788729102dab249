using MaMA.MLNet.Onnx.Graph;
using MaMA.MLNet.Onnx.Weights;
using Onnx;
using static TorchSharp.torch;

namespace MaMA.MLNet.Onnx.Text;

/// <summary>
/// Writes a GPT-2 forward pass into a graph: token plus learned position embeddings, pre-LN blocks with
/// causal self-attention that also ignores padded keys (LoRA merged into <c>c_attn</c>), tanh-GELU MLPs,
/// <c>ln_f</c>, then pooling into one feature [B, D] per text.
/// </summary>
/// <remarks>
/// Masked scores are set to the lowest float before the softmax, as Hugging Face's eager attention does, so a
/// query that may see no key (possible only with left padding) gets uniform weights instead of NaN. Masked
/// mean pooling divides by max(real tokens, 1), so an all-padding row gives a zero feature, not NaN.
/// </remarks>
internal static class Gpt2GraphWriter
{
    public static string Write(OnnxGraphBuilder g, WeightSet w, Gpt2ExportConfig c, string inputIds, string attentionMask)
    {
        var (x, isReal) = WriteHidden(g, w, c, inputIds, attentionMask);
        if (c.Pooling == TextPooling.Mean) return g.ReduceMean(x, [1], keepDims: false, "text_feature");
        string weightsPerToken = g.Unsqueeze(g.Cast(isReal, TensorProto.Types.DataType.Float, "token_weight"), [2], "token_weight_3d");
        string sum = g.ReduceSum(g.Mul(x, weightsPerToken, "masked_hidden"), [1], keepDims: false, "masked_sum");   // [B,D]
        string count = g.ReduceSum(weightsPerToken, [1], keepDims: false, "real_token_count");                     // [B,1]
        return g.Div(sum, g.Max(count, g.Scalar("one", 1f), "real_token_count_clamped"), "text_feature");
    }

    /// <summary>The last hidden state after <c>ln_f</c> [B, T, D] and the real-token mask [B, T] (bool).</summary>
    public static (string Hidden, string IsReal) WriteHidden(OnnxGraphBuilder g, WeightSet w, Gpt2ExportConfig c, string inputIds, string attentionMask)
    {
        c.Validate();
        long d = c.EmbedDim, t = c.MaxPositions;
        using var scope = NewDisposeScope();

        string wte = g.AddInitializer("wte.weight", w.ReadFloats("wte.weight", c.VocabSize, d), c.VocabSize, d);
        string wpe = g.AddInitializer("wpe.weight", w.ReadFloats("wpe.weight", t, d), t, d);
        string seqLen = g.Slice(g.Shape(inputIds, "input_ids_shape"), 0, 1, 2, "sequence_length");     // [1]
        string positions = g.Slice(wpe, g.Int64s(0), seqLen, g.Int64s(0), "wpe_used");                // [T,D]
        string x = g.Add(g.Gather(wte, inputIds, 0, "wte_lookup"), positions, "embeddings");         // [B,T,D]

        // allowed[b, 0, i, j] = j <= i and attention_mask[b, j] != 0
        var causalTable = new bool[t * t];
        for (long i = 0; i < t; i++)
            for (long j = 0; j <= i; j++) causalTable[i * t + j] = true;
        string causalAll = g.AddInitializer("causal_mask", causalTable, t, t);
        string causal = g.Slice(causalAll, g.Int64s(0, 0), g.Concat(0, [seqLen, seqLen], "causal_ends"), g.Int64s(0, 1), "causal_used");
        string isReal = g.Cast(attentionMask, TensorProto.Types.DataType.Bool, "token_is_real");               // [B,T]
        string keyMask = g.Unsqueeze(isReal, [1, 2], "key_mask");
        string allowed = g.And(causal, keyMask, "attention_allowed");                                 // [B,1,T,T]

        float eps = (float)c.LayerNormEps;
        for (int i = 0; i < c.Depth; i++)
        {
            string b = $"h.{i}";
            string h = TransformerGraph.LayerNorm(g, w, b + ".ln_1", d, eps, x);
            h = TransformerGraph.SelfAttention(g, b + ".attn",
                LoraMerge.MergedWeight(w, b + ".attn.c_attn", 3 * d, d, c.LoraAlpha), w.ReadDouble(b + ".attn.c_attn.bias", 3 * d),
                w.ReadDouble(b + ".attn.c_proj.weight", d, d), w.ReadDouble(b + ".attn.c_proj.bias", d), c.NumHeads, h, allowed);
            x = g.Add(x, h, b + "/residual1");
            h = TransformerGraph.LayerNorm(g, w, b + ".ln_2", d, eps, x);
            h = TransformerGraph.Mlp(g, w, b + ".mlp.c_fc", b + ".mlp.c_proj", d, c.HiddenDim, tanhGelu: true, h);
            x = g.Add(x, h, b + "/residual2");
        }
        if (w.Contains($"h.{c.Depth}.ln_1.weight"))
            throw new OnnxExportException($"The weights have more than {c.Depth} blocks ('{w.Prefix}h.{c.Depth}.ln_1.weight' exists).");
        x = TransformerGraph.LayerNorm(g, w, "ln_f", d, eps, x);
        return (x, isReal);
    }
}
