using MaMA.MLNet.Onnx.Text;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MaMA.MLNet.Onnx.Tests.Support;

/// <summary>
/// GPT-2's forward pass in float64 from TorchSharp functional ops, with LoRA applied as its own path
/// (x W^T + s (x A^T) B^T, not merged) and attention through scaled_dot_product_attention with a boolean
/// causal-and-padding mask.
/// </summary>
internal static class Gpt2Reference
{
    public static double[] Embedding(IReadOnlyDictionary<string, Tensor> weights, Gpt2ExportConfig c, long[,] ids, long[,] mask)
    {
        using var scope = NewDisposeScope();
        Tensor W(string name) => weights[name].to_type(ScalarType.Float64);
        long batch = ids.GetLength(0), t = ids.GetLength(1), d = c.EmbedDim, heads = c.NumHeads;
        var idTensor = tensor(ids.Cast<long>().ToArray(), [batch, t]);
        var maskTensor = tensor(mask.Cast<long>().ToArray(), [batch, t]);
        var x = W("wte.weight").index_select(0, idTensor.flatten()).reshape(batch, t, d) + W("wpe.weight")[..(int)t];
        var allowed = ones(t, t, ScalarType.Bool).tril().unsqueeze(0).unsqueeze(0).logical_and(maskTensor.ne(0).unsqueeze(1).unsqueeze(2));

        for (int i = 0; i < c.Depth; i++)
        {
            string b = $"h.{i}";
            var h = F.layer_norm(x, [d], W(b + ".ln_1.weight"), W(b + ".ln_1.bias"), c.LayerNormEps);
            var qkv = F.linear(h, W(b + ".attn.c_attn.weight"), W(b + ".attn.c_attn.bias"));
            if (weights.ContainsKey(b + ".attn.c_attn.lora_A.weight"))
            {
                var a = W(b + ".attn.c_attn.lora_A.weight");
                qkv = qkv + F.linear(F.linear(h, a), W(b + ".attn.c_attn.lora_B.weight")) * (c.LoraAlpha!.Value / a.shape[0]);
            }
            var split = qkv.reshape(batch, t, 3, heads, d / heads).permute(2, 0, 3, 1, 4);
            var attn = F.scaled_dot_product_attention(split[0], split[1], split[2], attn_mask: allowed).transpose(1, 2).reshape(batch, t, d);
            x = x + F.linear(attn, W(b + ".attn.c_proj.weight"), W(b + ".attn.c_proj.bias"));
            h = F.layer_norm(x, [d], W(b + ".ln_2.weight"), W(b + ".ln_2.bias"), c.LayerNormEps);
            var fc = F.gelu(F.linear(h, W(b + ".mlp.c_fc.weight"), W(b + ".mlp.c_fc.bias")), TorchSharp.Modules.GELU.Approximate.tanh);
            x = x + F.linear(fc, W(b + ".mlp.c_proj.weight"), W(b + ".mlp.c_proj.bias"));
        }
        x = F.layer_norm(x, [d], W("ln_f.weight"), W("ln_f.bias"), c.LayerNormEps);
        Tensor feature;
        if (c.Pooling == TextPooling.Mean) feature = x.mean([1]);
        else
        {
            var m = maskTensor.ne(0).to_type(ScalarType.Float64).unsqueeze(2);
            feature = (x * m).sum(1) / m.sum(1);
        }
        var embedding = F.normalize(F.linear(feature, W("text_global_proj.weight"), W("text_global_proj.bias")), p: 2, dim: 1);
        return VitReference.Values(embedding);
    }
}
