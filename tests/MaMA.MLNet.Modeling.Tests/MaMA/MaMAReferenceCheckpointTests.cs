using System.Text.RegularExpressions;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Tests.TestSupport;
using MaMA.MLNet.Modeling.Weights;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.MaMA;

[TestClass]
public sealed partial class MaMAReferenceCheckpointTests
{
    [GeneratedRegex(@"^h\.\d+\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight$")]
    private static partial Regex Conv1DWeight();

    /// <summary>
    /// The state dict the reference's Lightning module would hold for <paramref name="model"/>, written from
    /// the reference code's module layout: PEFT around GPT2LMHeadModel (base_model.model.transformer, base_layer,
    /// lora_X.default), Conv1D weights [in, out], scales at the top level, under "state_dict.".
    /// </summary>
    internal static Dictionary<string, Tensor> ReferenceStateDict(MaMAModel model, bool withPeftWrapper = true)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in model.state_dict())
        {
            var value = tensor.detach().clone();
            string key = name;
            if (name.StartsWith("scales.", StringComparison.Ordinal)) key = name["scales.".Length..];
            else if (name.StartsWith("text_encoder_q.model.", StringComparison.Ordinal))
            {
                string rest = name["text_encoder_q.model.".Length..];
                if (Conv1DWeight().IsMatch(rest)) value = value.t().contiguous();
                bool adapted = rest.Contains(".attn.c_attn.", StringComparison.Ordinal);
                if (adapted && (rest.EndsWith(".c_attn.weight", StringComparison.Ordinal) || rest.EndsWith(".c_attn.bias", StringComparison.Ordinal)))
                    rest = rest.Replace(".c_attn.", ".c_attn.base_layer.", StringComparison.Ordinal);
                rest = rest.Replace(".lora_A.weight", ".lora_A.default.weight", StringComparison.Ordinal)
                    .Replace(".lora_B.weight", ".lora_B.default.weight", StringComparison.Ordinal);
                key = "text_encoder_q.model." + (withPeftWrapper ? "base_model.model." : "") + "transformer." + rest;
            }
            result["state_dict." + key] = value;
        }
        // Buffers older transformers versions kept in the state dict, and trainer state outside state_dict.
        result["state_dict.text_encoder_q.model.base_model.model.transformer.h.0.attn.bias"] = ones(1, 1, 4, 4);
        result["state_dict.text_encoder_q.model.base_model.model.transformer.h.0.attn.masked_bias"] = tensor(-1e4);
        result["loops.fit_loop.step"] = tensor(8000L);
        return result;
    }

    private static string TempFile() => Path.Combine(Path.GetTempPath(), $"mama-reference-{Guid.NewGuid():N}.ckpt");

    [TestMethod]
    public void FakeReferenceCheckpointReproducesTheOriginalModel()
    {
        using var scope = NewDisposeScope();
        var config = MaMATestModels.Small;
        using var original = MaMATestModels.Build(config, seed: 40);
        using (no_grad()) original.Scales.LogitScale.fill_(2.5);
        var expected = MaMAModelDirectoryTests.Outputs(original, config);
        string path = TempFile();
        try
        {
            using (var stream = File.Create(path)) PyTorchPickler.PickleStateDict(stream, ReferenceStateDict(original));
            using var imported = MaMATestModels.Build(config, seed: 41);
            var report = MaMAReferenceCheckpoint.Load(imported, path);
            Assert.IsTrue(report.IsClean, report.ToString());
            Assert.AreEqual("state_dict.", report.Prefix);
            Assert.AreEqual(original.state_dict().Count, report.Loaded.Count);
            Assert.AreEqual(2.5, imported.Scales.LogitScale.item<float>(), 1e-6);
            var actual = MaMAModelDirectoryTests.Outputs(imported, config);
            for (int i = 0; i < expected.Length; i++) Assert.AreEqual(0.0, Numerics.MaxAbsDiff(expected[i], actual[i]), 1e-6, $"output {i}");
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void NamesMapAsDocumented()
    {
        Assert.AreEqual(new MaMAWeightTarget("scales.logit_scale"), MaMAReferenceCheckpoint.MapName("logit_scale"));
        Assert.AreEqual(new MaMAWeightTarget("img_encoder_q.model.blocks.0.ls1.gamma"), MaMAReferenceCheckpoint.MapName("img_encoder_q.model.blocks.0.ls1.gamma"));
        Assert.AreEqual(new MaMAWeightTarget("text_encoder_q.model.h.3.attn.c_attn.weight", true),
            MaMAReferenceCheckpoint.MapName("text_encoder_q.model.base_model.model.transformer.h.3.attn.c_attn.base_layer.weight"));
        Assert.AreEqual(new MaMAWeightTarget("text_encoder_q.model.h.3.attn.c_attn.bias"),
            MaMAReferenceCheckpoint.MapName("text_encoder_q.model.base_model.model.transformer.h.3.attn.c_attn.base_layer.bias"));
        Assert.AreEqual(new MaMAWeightTarget("text_encoder_q.model.h.3.attn.c_attn.lora_B.weight"),
            MaMAReferenceCheckpoint.MapName("text_encoder_q.model.base_model.model.transformer.h.3.attn.c_attn.lora_B.default.weight"));
        Assert.AreEqual(new MaMAWeightTarget("text_encoder_q.model.h.0.mlp.c_fc.weight", true),
            MaMAReferenceCheckpoint.MapName("text_encoder_q.model.transformer.h.0.mlp.c_fc.weight"));
        Assert.AreEqual(new MaMAWeightTarget("text_encoder_q.model.wte.weight"), MaMAReferenceCheckpoint.MapName("text_encoder_q.model.base_model.model.transformer.wte.weight"));
        Assert.AreEqual(new MaMAWeightTarget("text_encoder_q.global_embed.weight"), MaMAReferenceCheckpoint.MapName("text_encoder_q.global_embed.weight"));
        Assert.IsNull(MaMAReferenceCheckpoint.MapName("text_encoder_q.model.base_model.model.transformer.h.1.attn.masked_bias"));
        Assert.IsNull(MaMAReferenceCheckpoint.MapName("text_encoder_q.model.base_model.model.lm_head.weight"));
    }

    [TestMethod]
    public void StrictImportReportsProblemsAndCopiesNothing()
    {
        using var scope = NewDisposeScope();
        var config = MaMATestModels.Small;
        using var source = MaMATestModels.Build(config, seed: 42);
        var state = ReferenceStateDict(source, withPeftWrapper: false);
        state.Remove("state_dict.simclr_proj.layers.3.weight");
        state["state_dict.text_encoder_q.model.transformer.h.0.attn.c_attn.lora_E.default.weight"] = zeros(2, 2);
        using var target = MaMATestModels.Build(config, seed: 43);
        var before = target.state_dict()["img_encoder_q.global_embed.weight"].clone();
        using var named = NamedTensorSource.FromTensors("fake.ckpt", state);
        var e = Assert.ThrowsExactly<WeightLoadException>(() => MaMAReferenceCheckpoint.Load(target, named));
        CollectionAssert.AreEqual(new[] { "simclr_proj.layers.3.weight" }, e.Report!.Missing);
        CollectionAssert.AreEqual(new[] { "state_dict.text_encoder_q.model.transformer.h.0.attn.c_attn.lora_E.default.weight" }, e.Report.Unexpected);
        StringAssert.Contains(e.Message, "fake.ckpt");
        Assert.AreEqual(0.0, Numerics.MaxAbsDiff(before, target.state_dict()["img_encoder_q.global_embed.weight"]), "nothing copied");

        var report = MaMAReferenceCheckpoint.Load(target, named, strict: false);
        Assert.AreEqual(0.0, Numerics.MaxAbsDiff(source.state_dict()["img_encoder_q.global_embed.weight"], target.state_dict()["img_encoder_q.global_embed.weight"]));
        Assert.HasCount(1, report.Missing);

        // A checkpoint of the other SimCLR variant (plain last Linear with bias) does not fit: named in the report.
        using var plain = MaMATestModels.Build(config with { SimClrOutputBatchNorm = false }, seed: 44);
        using var plainSource = NamedTensorSource.FromTensors("plain.ckpt", ReferenceStateDict(plain));
        var variant = Assert.ThrowsExactly<WeightLoadException>(() => MaMAReferenceCheckpoint.Load(target, plainSource));
        CollectionAssert.Contains(variant.Report!.Missing, "simclr_proj.layers.4.running_mean");
        CollectionAssert.Contains(variant.Report.Unexpected, "state_dict.simclr_proj.layers.3.bias");
    }
}
