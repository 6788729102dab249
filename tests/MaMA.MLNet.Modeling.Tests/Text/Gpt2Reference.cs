using MaMA.MLNet.Modeling.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.Text;

/// <summary>
/// An independent float64 GPT-2 forward written from the definitions: LayerNorm from mean and biased
/// variance, attention as softmax(q k^T / sqrt(d) + mask) v with the mask built by loops, GELU from the
/// tanh formula. It reads the weights by their state-dict names, so it also pins the naming contract.
/// </summary>
internal static class Gpt2Reference
{
    public static Tensor Forward(IReadOnlyDictionary<string, Tensor> weights, Gpt2Config config, long[][] ids, int[][]? mask = null)
    {
        Tensor W(string name) => weights[name].to(ScalarType.Float64);
        int b = ids.Length, s = ids[0].Length, d = config.Width, heads = config.Heads, hd = d / heads;

        var x = zeros(b, s, d, dtype: ScalarType.Float64);
        var wte = W("wte.weight");
        var wpe = W("wpe.weight");
        for (int i = 0; i < b; i++)
            for (int t = 0; t < s; t++)
                x[i, t] = wte[ids[i][t]] + wpe[t];

        // Additive mask [B, 1, S, S]: 0 where query t may see key u (u <= t and u real), -inf elsewhere;
        // a row with nothing left sees every earlier key (the encoder's documented fallback).
        var additive = zeros(b, 1, s, s, dtype: ScalarType.Float64);
        for (int i = 0; i < b; i++)
            for (int t = 0; t < s; t++)
            {
                bool any = false;
                for (int u = 0; u <= t; u++) any |= mask is null || mask[i][u] == 1;
                for (int u = 0; u < s; u++)
                {
                    bool allowed = u <= t && (!any || mask is null || mask[i][u] == 1);
                    if (!allowed) additive[i, 0, t, u] = double.NegativeInfinity;
                }
            }

        for (int l = 0; l < config.Layers; l++)
        {
            string p = $"h.{l}.";
            var h1 = LayerNorm(x, W(p + "ln_1.weight"), W(p + "ln_1.bias"), config.LayerNormEps);
            var qkv = h1.matmul(W(p + "attn.c_attn.weight").t()) + W(p + "attn.c_attn.bias");
            Tensor Split(int k) => qkv.narrow(2, k * d, d).reshape(b, s, heads, hd).permute(0, 2, 1, 3);
            var scores = Split(0).matmul(Split(1).transpose(2, 3)) / Math.Sqrt(hd) + additive;
            var probs = scores.exp() / scores.exp().sum(-1, keepdim: true);
            var attn = probs.matmul(Split(2)).permute(0, 2, 1, 3).reshape(b, s, d);
            x = x + attn.matmul(W(p + "attn.c_proj.weight").t()) + W(p + "attn.c_proj.bias");

            var h2 = LayerNorm(x, W(p + "ln_2.weight"), W(p + "ln_2.bias"), config.LayerNormEps);
            var fc = h2.matmul(W(p + "mlp.c_fc.weight").t()) + W(p + "mlp.c_fc.bias");
            var act = 0.5 * fc * (1 + (Math.Sqrt(2 / Math.PI) * (fc + 0.044715 * fc.pow(3))).tanh());
            x = x + act.matmul(W(p + "mlp.c_proj.weight").t()) + W(p + "mlp.c_proj.bias");
        }
        return LayerNorm(x, W("ln_f.weight"), W("ln_f.bias"), config.LayerNormEps);
    }

    private static Tensor LayerNorm(Tensor x, Tensor weight, Tensor bias, double eps)
    {
        var mean = x.mean([-1], keepdim: true);
        var variance = (x - mean).pow(2).mean([-1], keepdim: true);
        return (x - mean) / (variance + eps).sqrt() * weight + bias;
    }

    public static Tensor Ids(long[][] ids) => tensor(ids.SelectMany(r => r).ToArray()).reshape(ids.Length, ids[0].Length);

    public static Tensor Mask(int[][] mask) => tensor(mask.SelectMany(r => r).Select(v => (long)v).ToArray()).reshape(mask.Length, mask[0].Length);

    public static double MaxAbsDiff(Tensor a, Tensor b) => (a.to(ScalarType.Float64) - b.to(ScalarType.Float64)).abs().max().item<double>();

    /// <summary>Gives every parameter visible, non-trivial values (LayerNorm gains away from 1, biases away from 0).</summary>
    public static void Randomise(TorchSharp.torch.nn.Module module, double std = 0.2)
    {
        using var _ = no_grad();
        foreach (var (_, p) in module.named_parameters())
            p.copy_(randn_like(p) * std + (p.dim() == 1 && p.shape[0] > 0 ? 0.05 : 0));
    }
}
