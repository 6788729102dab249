using MaMA.MLNet.Modeling.Tests.TestSupport;
using MaMA.MLNet.Modeling.Vision;
using MaMA.MLNet.Modeling.Weights;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.Weights;

[TestClass]
public sealed class Dinov2WeightLoaderTests
{
    private static VisionTransformer Model(int seed, VisionTransformerConfig? config = null)
    {
        manual_seed(seed);
        var model = new VisionTransformer(config ?? VisionTransformerConfig.Tiny);
        using (no_grad())
            foreach (var (name, p) in model.named_parameters())
                if (name.EndsWith("gamma", StringComparison.Ordinal) || name.EndsWith("bias", StringComparison.Ordinal) || name == "register_tokens")
                    p.normal_(0, 0.5); // make every tensor's effect visible in the output
        model.eval();
        return model;
    }

    private static Dictionary<string, Tensor> HubState(VisionTransformer model, string prefix = "") =>
        model.state_dict().ToDictionary(kv => prefix + kv.Key, kv => kv.Value.detach().clone());

    // Hugging Face names written out independently of Dinov2WeightNames, splitting the fused qkv.
    private static Dictionary<string, Tensor> HuggingFaceState(VisionTransformer model, string prefix = "")
    {
        var hf = new Dictionary<string, Tensor>();
        foreach (var (name, value) in HubState(model))
        {
            string[] parts = name.Split('.');
            if (parts[0] == "blocks")
            {
                string layer = $"encoder.layer.{parts[1]}.";
                string rest = string.Join('.', parts[2..]);
                if (rest.StartsWith("attn.qkv.", StringComparison.Ordinal))
                {
                    var qkv = value.chunk(3, 0);
                    hf[$"{layer}attention.attention.query.{parts[^1]}"] = qkv[0].clone();
                    hf[$"{layer}attention.attention.key.{parts[^1]}"] = qkv[1].clone();
                    hf[$"{layer}attention.attention.value.{parts[^1]}"] = qkv[2].clone();
                    continue;
                }
                hf[layer + rest switch
                {
                    "attn.proj.weight" => "attention.output.dense.weight",
                    "attn.proj.bias" => "attention.output.dense.bias",
                    "ls1.gamma" => "layer_scale1.lambda1",
                    "ls2.gamma" => "layer_scale2.lambda1",
                    "mlp.w12.weight" => "mlp.weights_in.weight",
                    "mlp.w12.bias" => "mlp.weights_in.bias",
                    "mlp.w3.weight" => "mlp.weights_out.weight",
                    "mlp.w3.bias" => "mlp.weights_out.bias",
                    _ => rest,
                }] = value;
                continue;
            }
            hf[name switch
            {
                "cls_token" => "embeddings.cls_token",
                "mask_token" => "embeddings.mask_token",
                "pos_embed" => "embeddings.position_embeddings",
                "register_tokens" => "embeddings.register_tokens",
                "patch_embed.proj.weight" => "embeddings.patch_embeddings.projection.weight",
                "patch_embed.proj.bias" => "embeddings.patch_embeddings.projection.bias",
                "norm.weight" => "layernorm.weight",
                "norm.bias" => "layernorm.bias",
                _ => throw new InvalidOperationException(name),
            }] = value;
        }
        return hf.ToDictionary(kv => prefix + kv.Key, kv => kv.Value);
    }

    private static string TempFile(string extension) => Path.Combine(Path.GetTempPath(), $"mama-vision-{Guid.NewGuid():N}{extension}");

    private static void SaveSafetensors(string path, Dictionary<string, Tensor> state)
    {
        using var stream = File.Create(path);
        Safetensors.SaveStateDict(stream, state);
    }

    private static void SavePickle(string path, Dictionary<string, Tensor> state)
    {
        using var stream = File.Create(path);
        PyTorchPickler.PickleStateDict(stream, state);
    }

    private static void AssertSameOutputs(VisionTransformer expected, VisionTransformer actual, int imageSize = 56)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        manual_seed(99);
        var images = randn(2, 3, imageSize, imageSize);
        var a = expected.forward(images);
        var b = actual.forward(images);
        Assert.IsGreaterThan(1e-3, Numerics.MaxAbsDiff(a.PooledFeature, zeros_like(a.PooledFeature)), "outputs are not trivially zero");
        Assert.AreEqual(0.0, Numerics.MaxAbsDiff(a.PooledFeature, b.PooledFeature), 1e-5);
        Assert.AreEqual(0.0, Numerics.MaxAbsDiff(a.PatchTokens, b.PatchTokens), 1e-5);
    }

    [TestMethod]
    public void HubNamedSafetensorsLoadDirectly()
    {
        using var scope = NewDisposeScope();
        using var original = Model(1);
        using var fresh = Model(2);
        string path = TempFile(".safetensors");
        try
        {
            SaveSafetensors(path, HubState(original));
            var report = Dinov2WeightLoader.Load(fresh, path);
            Assert.IsTrue(report.IsClean, report.ToString());
            Assert.AreEqual(original.state_dict().Count, report.Loaded.Count);
            StringAssert.Contains(report.Scheme, "hub");
            AssertSameOutputs(original, fresh);
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void HuggingFaceNamesWithAPrefixGiveTheSameModel()
    {
        foreach (var config in new[] { VisionTransformerConfig.Tiny, VisionTransformerConfig.TinySwiGlu })
        {
            using var scope = NewDisposeScope();
            using var original = Model(3, config);
            using var fresh = Model(4, config);
            string path = TempFile(".safetensors");
            try
            {
                SaveSafetensors(path, HuggingFaceState(original, "dinov2."));
                var report = Dinov2WeightLoader.Load(fresh, path);
                Assert.IsTrue(report.IsClean, report.ToString());
                Assert.AreEqual("dinov2.", report.Prefix);
                StringAssert.Contains(report.Scheme, "Hugging Face");
                AssertSameOutputs(original, fresh);
            }
            finally { File.Delete(path); }
        }
    }

    [TestMethod]
    public void PyTorchPickleWithTheReferencePrefixLoads()
    {
        using var scope = NewDisposeScope();
        using var original = Model(5);
        using var fresh = Model(6);
        string path = TempFile(".pth");
        try
        {
            SavePickle(path, HubState(original, "img_encoder_q.model."));
            var report = Dinov2WeightLoader.Load(fresh, path);
            Assert.IsTrue(report.IsClean, report.ToString());
            Assert.AreEqual("img_encoder_q.model.", report.Prefix);
            AssertSameOutputs(original, fresh);
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void PositionEmbeddingsFromAnotherGridAreInterpolatedOnLoad()
    {
        using var scope = NewDisposeScope();
        using var original = Model(7); // 4 x 4 grid
        using var larger = Model(8, VisionTransformerConfig.Tiny with { ImageSize = 70 }); // 5 x 5 grid
        var report = Dinov2WeightLoader.Load(larger, NamedTensorSource.FromTensors("memory", HubState(original)));
        Assert.IsTrue(report.IsClean, report.ToString());
        Assert.HasCount(1, report.Adaptations);
        CollectionAssert.AreEqual(new long[] { 1, 26, 64 }, larger.state_dict()["pos_embed"].shape);
        // The original model interpolates the same embeddings at run time for a 70-pixel input.
        AssertSameOutputs(original, larger, imageSize: 70);
    }

    [TestMethod]
    public void StrictLoadReportsMissingUnexpectedAndMisshapenTensors()
    {
        using var scope = NewDisposeScope();
        using var original = Model(9);
        using var fresh = Model(10);
        var state = HubState(original);
        state.Remove("blocks.1.ls2.gamma");
        state.Remove("mask_token"); // unused by the model: tolerated
        state["head.weight"] = zeros(3);
        state["blocks.0.norm1.bias"] = zeros(65);
        var before = fresh.state_dict()["blocks.0.attn.qkv.weight"].clone();

        var error = Assert.ThrowsExactly<WeightLoadException>(() => Dinov2WeightLoader.Load(fresh, NamedTensorSource.FromTensors("memory", state)));
        var report = error.Report!;
        CollectionAssert.AreEqual(new[] { "blocks.1.ls2.gamma" }, report.Missing);
        CollectionAssert.AreEqual(new[] { "mask_token" }, report.MissingOptional);
        CollectionAssert.AreEqual(new[] { "head.weight" }, report.Unexpected);
        Assert.AreEqual("blocks.0.norm1.bias", report.ShapeMismatches.Single().Name);
        StringAssert.Contains(error.Message, "blocks.1.ls2.gamma");
        StringAssert.Contains(error.Message, "head.weight");
        Assert.AreEqual(0.0, Numerics.MaxAbsDiff(before, fresh.state_dict()["blocks.0.attn.qkv.weight"]), "a failed strict load copies nothing");

        var lenient = Dinov2WeightLoader.Load(fresh, NamedTensorSource.FromTensors("memory", state), strict: false);
        Assert.AreEqual(fresh.state_dict().Count - 3, lenient.Loaded.Count);
        Assert.AreEqual(0.0, Numerics.MaxAbsDiff(state["blocks.0.attn.qkv.weight"], fresh.state_dict()["blocks.0.attn.qkv.weight"]));
    }

    [TestMethod]
    public void FilesWithoutADinoV2PatchEmbeddingAreRejected()
    {
        using var scope = NewDisposeScope();
        using var model = Model(11);
        var source = NamedTensorSource.FromTensors("other.safetensors", new Dictionary<string, Tensor> { ["transformer.wte.weight"] = zeros(2, 2) });
        var error = Assert.ThrowsExactly<WeightLoadException>(() => Dinov2WeightLoader.Load(model, source));
        StringAssert.Contains(error.Message, "other.safetensors");
        StringAssert.Contains(error.Message, "transformer.wte.weight");
    }
}
