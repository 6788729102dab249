using MaMA.MLNet.Modeling.Tests.TestSupport;
using MaMA.MLNet.Modeling.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.Vision;

[TestClass]
public sealed class VisionTransformerTests
{
    private static List<string> ExpectedHubNames(int depth, bool registers, bool swiGlu, bool layerScale)
    {
        var names = new List<string> { "cls_token", "pos_embed" };
        if (registers) names.Add("register_tokens");
        names.AddRange(["mask_token", "patch_embed.proj.weight", "patch_embed.proj.bias"]);
        for (int i = 0; i < depth; i++)
        {
            string b = $"blocks.{i}.";
            names.AddRange([b + "norm1.weight", b + "norm1.bias", b + "attn.qkv.weight", b + "attn.qkv.bias", b + "attn.proj.weight", b + "attn.proj.bias"]);
            if (layerScale) names.Add(b + "ls1.gamma");
            names.AddRange([b + "norm2.weight", b + "norm2.bias"]);
            names.AddRange(swiGlu
                ? [b + "mlp.w12.weight", b + "mlp.w12.bias", b + "mlp.w3.weight", b + "mlp.w3.bias"]
                : [b + "mlp.fc1.weight", b + "mlp.fc1.bias", b + "mlp.fc2.weight", b + "mlp.fc2.bias"]);
            if (layerScale) names.Add(b + "ls2.gamma");
        }
        names.AddRange(["norm.weight", "norm.bias"]);
        return names;
    }

    [TestMethod]
    public void StateDictNamesAreTheDinoV2HubNames()
    {
        using var model = new VisionTransformer(VisionTransformerConfig.Tiny);
        CollectionAssert.AreEquivalent(ExpectedHubNames(2, true, false, true), model.state_dict().Keys.ToList());

        using var swiGlu = new VisionTransformer(VisionTransformerConfig.TinySwiGlu with { RegisterCount = 0, LayerScaleInit = null });
        CollectionAssert.AreEquivalent(ExpectedHubNames(2, false, true, false), swiGlu.state_dict().Keys.ToList());
    }

    [TestMethod]
    public void StateDictShapesFollowTheConfig()
    {
        using var model = new VisionTransformer(VisionTransformerConfig.Tiny);
        var sd = model.state_dict();
        CollectionAssert.AreEqual(new long[] { 1, 1, 64 }, sd["cls_token"].shape);
        CollectionAssert.AreEqual(new long[] { 1, 17, 64 }, sd["pos_embed"].shape);
        CollectionAssert.AreEqual(new long[] { 1, 2, 64 }, sd["register_tokens"].shape);
        CollectionAssert.AreEqual(new long[] { 1, 64 }, sd["mask_token"].shape);
        CollectionAssert.AreEqual(new long[] { 64, 3, 14, 14 }, sd["patch_embed.proj.weight"].shape);
        CollectionAssert.AreEqual(new long[] { 192, 64 }, sd["blocks.0.attn.qkv.weight"].shape);
        CollectionAssert.AreEqual(new long[] { 256, 64 }, sd["blocks.1.mlp.fc1.weight"].shape);
    }

    [TestMethod]
    public void ParameterCountFromTheConfigMatchesTheModule()
    {
        VisionTransformerConfig[] configs =
        [
            VisionTransformerConfig.Tiny,
            VisionTransformerConfig.TinySwiGlu,
            VisionTransformerConfig.Tiny with { RegisterCount = 0, LayerScaleInit = null, QkvBias = false, MlpRatio = 3 },
            VisionTransformerConfig.DinoV2VitS14Reg,
        ];
        foreach (var config in configs)
        {
            using var model = new VisionTransformer(config);
            long fromModule = model.parameters().Sum(p => p.numel());
            Assert.AreEqual(fromModule, config.CountParameters(), $"{config}");
        }
    }

    [TestMethod]
    public void ViTB14WithRegistersHasAbout86MillionParameters()
    {
        // DINOv2 reports 86M for ViT-B/14; the register model adds 4 x 768.
        long count = VisionTransformerConfig.DinoV2VitB14Reg.CountParameters();
        Assert.IsTrue(count is > 86_000_000 and < 87_000_000, $"{count}");
        Assert.AreEqual(4L * 768, count - VisionTransformerConfig.DinoV2VitB14.CountParameters());
        // ViT-g/14 uses SwiGLU with hidden round_up(int(6144 * 2/3), 8) = 4096.
        Assert.AreEqual(4096L, VisionTransformerConfig.DinoV2VitG14.FeedForwardHidden);
    }

    [TestMethod]
    public void AttentionMatchesAHandWrittenSoftmaxAttention()
    {
        using var scope = NewDisposeScope();
        manual_seed(21);
        using var attention = new Attention(width: 12, heads: 3);
        attention.to(ScalarType.Float64);
        var x = randn(2, 5, 12, dtype: ScalarType.Float64);
        var p = attention.named_parameters().ToDictionary(t => t.name, t => t.parameter.detach());

        // softmax(Q K^T / sqrt(d)) V per head, written out with plain ops.
        var qkv = x.matmul(p["qkv.weight"].t()) + p["qkv.bias"];
        var heads = new List<Tensor>();
        for (int h = 0; h < 3; h++)
        {
            var q = qkv[.., .., (h * 4)..(h * 4 + 4)];
            var k = qkv[.., .., (12 + h * 4)..(12 + h * 4 + 4)];
            var v = qkv[.., .., (24 + h * 4)..(24 + h * 4 + 4)];
            var weights = q.matmul(k.transpose(1, 2)).div(Math.Sqrt(4)).softmax(-1);
            heads.Add(weights.matmul(v));
        }
        var expected = cat(heads, 2).matmul(p["proj.weight"].t()) + p["proj.bias"];
        Numerics.AssertClose(expected, attention.forward(x), 1e-12, "attention");
    }

    [TestMethod]
    public void SwiGluMatchesItsFormula()
    {
        using var scope = NewDisposeScope();
        manual_seed(22);
        using var ffn = new SwiGluFfn(6, 8);
        ffn.to(ScalarType.Float64);
        var x = randn(3, 6, dtype: ScalarType.Float64);
        var p = ffn.named_parameters().ToDictionary(t => t.name, t => t.parameter.detach());
        var x12 = x.matmul(p["w12.weight"].t()) + p["w12.bias"];
        var a = x12[.., ..8];
        var b = x12[.., 8..];
        var expected = (a * sigmoid(a) * b).matmul(p["w3.weight"].t()) + p["w3.bias"];
        Numerics.AssertClose(expected, ffn.forward(x), 1e-12, "swiglu");
    }

    [TestMethod]
    public void BlockIsPreNormResidualWithLayerScale()
    {
        using var scope = NewDisposeScope();
        manual_seed(23);
        var config = VisionTransformerConfig.Tiny with { Width = 8, Heads = 2, LayerScaleInit = 0.3 };
        using var block = new VisionTransformerBlock(config, 0);
        block.to(ScalarType.Float64);
        block.eval();
        var x = randn(2, 5, 8, dtype: ScalarType.Float64);
        var p = block.named_parameters().ToDictionary(t => t.name, t => t.parameter.detach());
        Tensor Norm(Tensor t, string n) => nn.functional.layer_norm(t, [8], p[n + ".weight"], p[n + ".bias"], 1e-6);
        using var attn = new Attention(8, 2);
        attn.to(ScalarType.Float64);
        attn.load_state_dict(block.named_children().First(c => c.name == "attn").module.state_dict());
        var h = x + p["ls1.gamma"] * attn.forward(Norm(x, "norm1"));
        var hidden = nn.functional.gelu(Norm(h, "norm2").matmul(p["mlp.fc1.weight"].t()) + p["mlp.fc1.bias"]);
        var expected = h + p["ls2.gamma"] * (hidden.matmul(p["mlp.fc2.weight"].t()) + p["mlp.fc2.bias"]);
        Numerics.AssertClose(expected, block.forward(x), 1e-12, "block");
    }

    [TestMethod]
    public void TokensAreClsRegistersPatchesAndOnlyClsAndPatchesGetPositions()
    {
        using var scope = NewDisposeScope();
        manual_seed(24);
        var config = VisionTransformerConfig.Tiny;
        using var model = new VisionTransformer(config, dtype: ScalarType.Float64);
        model.eval();
        var p = model.named_parameters().ToDictionary(t => t.name, t => t.parameter);
        using (no_grad())
        {
            // With every LayerScale at zero the blocks are the identity, exposing the embedded tokens.
            foreach (var gamma in p.Where(kv => kv.Key.EndsWith(".gamma", StringComparison.Ordinal))) gamma.Value.zero_();
            p["register_tokens"].normal_();
            p["cls_token"].normal_();
        }
        var images = randn(2, 3, 56, 70, dtype: ScalarType.Float64); // non-square: 4 x 5 patches
        using var noGrad = no_grad();
        var pre = model.ForwardPreNorm(images, out long gh, out long gw);
        Assert.AreEqual(4L, gh);
        Assert.AreEqual(5L, gw);
        CollectionAssert.AreEqual(new long[] { 2, 1 + 2 + 20, 64 }, pre.shape);

        var pos = PositionEmbeddingInterpolation.Interpolate(p["pos_embed"], 4, 5);
        var conv = nn.functional.conv2d(images, p["patch_embed.proj.weight"], p["patch_embed.proj.bias"], strides: [14, 14]);
        var patches = conv.flatten(2).transpose(1, 2) + pos[.., 1.., ..];
        var cls = (p["cls_token"] + pos[.., ..1, ..]).expand(2, -1, -1);
        var regs = p["register_tokens"].expand(2, -1, -1);
        var expected = cat([cls, regs, patches], 1);
        Numerics.AssertClose(expected, pre, 1e-10, "embedded tokens");

        var output = model.forward(images);
        Numerics.AssertClose(expected.mean([1]), output.PooledFeature, 1e-10, "pooled = mean of all pre-norm tokens");
        var normed = nn.functional.layer_norm(expected, [64], p["norm.weight"], p["norm.bias"], 1e-6);
        Numerics.AssertClose(normed[.., 0, ..], output.ClsToken, 1e-10, "normalised CLS");
        Numerics.AssertClose(normed[.., 3.., ..], output.PatchTokens, 1e-10, "normalised patches");
    }

    [TestMethod]
    public void ForwardHandlesOtherSizesAndIsDeterministicInEval()
    {
        using var scope = NewDisposeScope();
        manual_seed(25);
        using var model = new VisionTransformer(VisionTransformerConfig.TinySwiGlu with { DropPathRate = 0.2 });
        model.eval();
        var images = randn(2, 3, 84, 42);
        using var noGrad = no_grad();
        var a = model.forward(images);
        var b = model.forward(images);
        CollectionAssert.AreEqual(new long[] { 2, 64 }, a.PooledFeature.shape);
        CollectionAssert.AreEqual(new long[] { 2, 64 }, a.ClsToken.shape);
        CollectionAssert.AreEqual(new long[] { 2, 18, 64 }, a.PatchTokens.shape);
        Assert.AreEqual(0.0, Numerics.MaxAbsDiff(a.PatchTokens, b.PatchTokens));
        Assert.AreEqual(21L, model.TokenCount(84, 42)); // 1 CLS + 2 registers + 6 x 3 patches
    }

    [TestMethod]
    public void DropPathDropsWholeSamplesOnlyInTraining()
    {
        using var scope = NewDisposeScope();
        manual_seed(26);
        using var drop = new DropPath(0.5);
        var x = ones(400, 3, 2);
        drop.train();
        var y = Numerics.ToDoubles(drop.forward(x));
        int kept = 0;
        for (int s = 0; s < 400; s++)
        {
            double first = y[s * 6];
            Assert.IsTrue(first == 0 || first == 2, $"sample {s}: {first}");
            for (int k = 1; k < 6; k++) Assert.AreEqual(first, y[s * 6 + k], 0, "a sample is kept or dropped as a whole");
            if (first == 2) kept++;
        }
        Assert.IsTrue(kept is > 150 and < 250, $"kept {kept} of 400");
        drop.eval();
        Assert.AreEqual(0.0, Numerics.MaxAbsDiff(x, drop.forward(x)));
    }

    [TestMethod]
    public void BadInputsAreRejected()
    {
        using var scope = NewDisposeScope();
        using var model = new VisionTransformer(VisionTransformerConfig.Tiny);
        Assert.ThrowsExactly<ArgumentException>(() => model.forward(zeros(1, 1, 56, 56)));
        Assert.ThrowsExactly<ArgumentException>(() => model.forward(zeros(1, 3, 10, 56)));
        Assert.ThrowsExactly<ArgumentException>(() => new VisionTransformer(VisionTransformerConfig.Tiny with { Heads = 5 }));
        Assert.ThrowsExactly<ArgumentException>(() => VisionTransformerConfig.FromName("dinov3"));
        Assert.AreEqual(VisionTransformerConfig.DinoV2VitB14Reg, VisionTransformerConfig.FromName("dinov2_vitb14_reg"));
    }
}
