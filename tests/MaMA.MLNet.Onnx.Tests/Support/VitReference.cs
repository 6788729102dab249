using MaMA.MLNet.Onnx.Vision;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MaMA.MLNet.Onnx.Tests.Support;

/// <summary>
/// DINOv2's forward pass in float64 from TorchSharp functional ops (conv2d, layer_norm, gelu,
/// scaled_dot_product_attention, interpolate, normalize), written independently of the graph writer:
/// position embeddings are added to CLS + patches at run time, then registers are inserted after CLS.
/// </summary>
internal static class VitReference
{
    public sealed record Result(double[] Pooled, double[] Embedding, double[] PatchTokens);

    public static Result Forward(IReadOnlyDictionary<string, Tensor> weights, VitExportConfig c, Tensor pixels)
    {
        using var scope = NewDisposeScope();
        Tensor W(string name) => weights[name].to_type(ScalarType.Float64);
        long batch = pixels.shape[0], d = c.EmbedDim, heads = c.NumHeads, r = c.RegisterCount;
        var x = F.conv2d(pixels.to_type(ScalarType.Float64), W("patch_embed.proj.weight"), W("patch_embed.proj.bias"),
            strides: [c.PatchSize, c.PatchSize]);
        x = x.flatten(2).transpose(1, 2);                                                  // [B,N,D]
        x = cat([W("cls_token").expand(batch, -1, -1), x], 1);
        x = x + InterpolatePositions(W("pos_embed"), c.GridHeight, c.GridWidth);
        if (r > 0) x = cat([x[.., ..1, ..], W("register_tokens").expand(batch, -1, -1), x[.., 1.., ..]], 1);

        for (int i = 0; i < c.Depth; i++)
        {
            string b = $"blocks.{i}";
            var h = F.layer_norm(x, [d], W(b + ".norm1.weight"), W(b + ".norm1.bias"), c.LayerNormEps);
            long n = h.shape[1];
            var qkv = F.linear(h, W(b + ".attn.qkv.weight"), W(b + ".attn.qkv.bias")).reshape(batch, n, 3, heads, d / heads).permute(2, 0, 3, 1, 4);
            var attn = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2]).transpose(1, 2).reshape(batch, n, d);
            attn = F.linear(attn, W(b + ".attn.proj.weight"), W(b + ".attn.proj.bias"));
            x = x + (c.LayerScale ? W(b + ".ls1.gamma") * attn : attn);
            h = F.layer_norm(x, [d], W(b + ".norm2.weight"), W(b + ".norm2.bias"), c.LayerNormEps);
            var mlp = F.linear(F.gelu(F.linear(h, W(b + ".mlp.fc1.weight"), W(b + ".mlp.fc1.bias"))), W(b + ".mlp.fc2.weight"), W(b + ".mlp.fc2.bias"));
            x = x + (c.LayerScale ? W(b + ".ls2.gamma") * mlp : mlp);
        }
        var pooled = x.mean([1]);
        var embedding = F.normalize(F.linear(pooled, W("global_proj.weight"), W("global_proj.bias")), p: 2, dim: 1);
        var patches = F.layer_norm(x, [d], W("norm.weight"), W("norm.bias"), c.LayerNormEps)[.., (1 + (int)r).., ..];
        return new Result(Values(pooled), Values(embedding), Values(patches));
    }

    /// <summary>DINOv2 interpolate_pos_encoding with antialias on and offset 0 (target size given explicitly).</summary>
    public static Tensor InterpolatePositions(Tensor pos, int gridHeight, int gridWidth)
    {
        long m = (long)Math.Sqrt(pos.shape[1] - 1), d = pos.shape[2];
        if (m == gridHeight && m == gridWidth) return pos;
        var patch = pos[.., 1.., ..].reshape(1, m, m, d).permute(0, 3, 1, 2);
        patch = F.interpolate(patch, size: [gridHeight, gridWidth], mode: InterpolationMode.Bicubic, antialias: true);
        return cat([pos[.., ..1, ..], patch.permute(0, 2, 3, 1).reshape(1, -1, d)], 1);
    }

    public static double[] Values(Tensor t) => t.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
}
