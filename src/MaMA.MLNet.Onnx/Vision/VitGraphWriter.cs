using MaMA.MLNet.Onnx.Graph;
using MaMA.MLNet.Onnx.Weights;
using static TorchSharp.torch;

namespace MaMA.MLNet.Onnx.Vision;

/// <summary>The values a ViT leaves in the graph: the pooled feature [B, D] and the normed patch tokens [B, N, D].</summary>
internal sealed record VitGraphOutputs(string Pooled, string? PatchTokens);

/// <summary>
/// Writes a DINOv2 ViT forward pass into a graph: patch embedding, CLS and position embeddings (resampled to
/// the export image size), register tokens, pre-norm blocks with LayerScale, then mean pooling over all tokens
/// before the final norm (MaMA's FLIP-style pooled feature) and, if asked, the patch tokens after it.
/// </summary>
internal static class VitGraphWriter
{
    public static VitGraphOutputs Write(OnnxGraphBuilder g, WeightSet w, VitExportConfig c, string pixels, bool patchTokens)
    {
        c.Validate();
        long d = c.EmbedDim, p = c.PatchSize, r = c.RegisterCount, n = c.PatchCount;
        using var scope = NewDisposeScope();

        // Patches: Conv with stride = kernel = p, then [B,D,h,w] -> [B,N,D] in row-major patch order.
        string convW = g.AddInitializer("patch_embed.proj.weight", w.ReadFloats("patch_embed.proj.weight", d, 3, p, p), d, 3, p, p);
        string convB = g.AddInitializer("patch_embed.proj.bias", w.ReadFloats("patch_embed.proj.bias", d), d);
        string conv = g.Conv(pixels, convW, convB, p, p, "patch_embed");
        string tokens = g.Transpose(g.Reshape(conv, [0, d, -1], "patch_embed/flatten"), [0, 2, 1], "patch_embed/tokens");

        // Position embeddings: resampled now, CLS entry folded into the CLS token, patch entries added.
        long posRows = w.ShapeOf("pos_embed") is [1, var rows, var dd] && dd == d ? rows
            : throw new OnnxExportException($"Weight '{w.Prefix}pos_embed' has shape [{string.Join(",", w.ShapeOf("pos_embed"))}]; [1, 1 + G*G, {d}] is expected.");
        var pos = PositionEmbeddingResampler.Resample(w.ReadDouble("pos_embed", 1, posRows, d), c.GridHeight, c.GridWidth);
        var clsWithPos = w.ReadDouble("cls_token", 1, 1, d) + pos[.., ..1, ..];
        string patchesWithPos = g.Add(tokens, g.AddInitializer("pos_embed_patches", WeightSet.ToFloats(pos[.., 1.., ..]), 1, n, d), "pos_add");

        // CLS and registers are constants broadcast to the runtime batch size.
        string batch = g.Slice(g.Shape(pixels, "pixels_shape"), 0, 0, 1, "batch_size");
        var parts = new List<string>
        {
            g.Expand(g.AddInitializer("cls_token_with_pos", WeightSet.ToFloats(clsWithPos), 1, 1, d),
                g.Concat(0, [batch, g.Int64s(1, d)], "cls_shape"), "cls_tokens"),
        };
        if (r > 0)
            parts.Add(g.Expand(g.AddInitializer("register_tokens", w.ReadFloats("register_tokens", 1, r, d), 1, r, d),
                g.Concat(0, [batch, g.Int64s(r, d)], "register_shape"), "register_tokens_batch"));
        else if (w.Contains("register_tokens"))
            throw new OnnxExportException($"Weight '{w.Prefix}register_tokens' is present but the configuration has no registers.");
        parts.Add(patchesWithPos);
        string x = g.Concat(1, parts, "tokens");                                                     // [B,1+R+N,D]

        float eps = (float)c.LayerNormEps;
        for (int i = 0; i < c.Depth; i++)
        {
            string b = $"blocks.{i}";
            string h = TransformerGraph.LayerNorm(g, w, b + ".norm1", d, eps, x);
            h = TransformerGraph.SelfAttention(g, b + ".attn",
                w.ReadDouble(b + ".attn.qkv.weight", 3 * d, d), w.ReadDouble(b + ".attn.qkv.bias", 3 * d),
                w.ReadDouble(b + ".attn.proj.weight", d, d), w.ReadDouble(b + ".attn.proj.bias", d), c.NumHeads, h, allowed: null);
            x = g.Add(x, LayerScale(g, w, c, b + ".ls1", h), b + "/residual1");
            h = TransformerGraph.LayerNorm(g, w, b + ".norm2", d, eps, x);
            h = TransformerGraph.Mlp(g, w, b + ".mlp.fc1", b + ".mlp.fc2", d, c.HiddenDim, tanhGelu: false, h);
            x = g.Add(x, LayerScale(g, w, c, b + ".ls2", h), b + "/residual2");
        }
        if (w.Contains($"blocks.{c.Depth}.norm1.weight"))
            throw new OnnxExportException($"The weights have more than {c.Depth} blocks ('{w.Prefix}blocks.{c.Depth}.norm1.weight' exists).");

        string pooled = g.ReduceMean(x, [1], keepDims: false, "pooled");                           // [B,D]
        string? patches = null;
        if (patchTokens)
        {
            string normed = TransformerGraph.LayerNorm(g, w, "norm", d, eps, x);
            patches = g.Slice(normed, 1, 1 + r, 1 + r + n, "patch_tokens_normed");
        }
        return new VitGraphOutputs(pooled, patches);
    }

    private static string LayerScale(OnnxGraphBuilder g, WeightSet w, VitExportConfig c, string name, string x)
    {
        if (!c.LayerScale)
        {
            if (w.Contains(name + ".gamma"))
                throw new OnnxExportException($"Weight '{w.Prefix}{name}.gamma' is present but the configuration has LayerScale off.");
            return x;
        }
        return g.Mul(x, g.AddInitializer(name + ".gamma", w.ReadFloats(name + ".gamma", c.EmbedDim), c.EmbedDim), name);
    }
}
