using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Tests.TestSupport;
using MaMA.MLNet.Modeling.Tests.Tokenization;
using MaMA.MLNet.Modeling.Tokenization;
using MaMA.MLNet.Modeling.Weights;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.MaMA;

[TestClass]
public sealed class MaMAModelDirectoryTests
{
    private static string TempDirectory() => Path.Combine(Path.GetTempPath(), $"mama-model-{Guid.NewGuid():N}");

    /// <summary>Outputs of every inference path plus the loss terms, for comparing two models.</summary>
    internal static Tensor[] Outputs(MaMAModel model, MaMAConfig config, long seed = 30)
    {
        model.eval();
        var pixels = MaMATestModels.Pixels(2, config.Vision.ImageSize, config.Vision.ImageSize, seed);
        var (ids, mask) = MaMATestModels.Captions(config, [10, 16], [2, 3], 16, seed);
        var image = model.EncodeImages(pixels);
        var similarity = model.ComputePatchSentenceSimilarity(pixels, ids, mask);
        using var losses = model.ComputeLosses(MaMABatch.Create(pixels, pixels.flip(3), ids, mask, config.SeparatorTokenId));
        return [image.Embedding, image.PooledFeature, model.EncodeTexts(ids, mask), similarity.Similarity, losses.Total.detach().clone()];
    }

    [TestMethod]
    public void SaveThenLoadGivesIdenticalOutputsAndReplacesAnEarlierSave()
    {
        using var scope = NewDisposeScope();
        string dir = TempDirectory();
        try
        {
            var config = MaMATestModels.Small;
            using var model = MaMATestModels.Build(config, seed: 31);
            // Batch-norm statistics must travel too: move them off their initial values.
            model.train();
            using (no_grad()) model.ImageEncoder.LocalEmbed.forward(randn(4, 6, config.Vision.Width));
            var expected = Outputs(model, config);

            using (var other = MaMATestModels.Build(config, seed: 32)) MaMAModelDirectory.Save(other, dir);
            MaMAModelDirectory.Save(model, dir);
            CollectionAssert.AreEquivalent(new[] { "config.json", "model.safetensors" }, Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).ToArray());
            Assert.IsFalse(Directory.GetFileSystemEntries(Path.GetDirectoryName(dir)!).Any(e => Path.GetFileName(e).StartsWith($".{Path.GetFileName(dir)}.", StringComparison.Ordinal)),
                "no temporary or old directory is left behind");

            var loaded = MaMAModelDirectory.Load(dir);
            using var reloaded = loaded.Model;
            Assert.IsTrue(loaded.Report.IsClean, loaded.Report.ToString());
            Assert.IsNull(loaded.Tokenizer);
            Assert.AreEqual(config.ToJson(), reloaded.Config.ToJson());
            var actual = Outputs(reloaded, config);
            for (int i = 0; i < expected.Length; i++) Assert.AreEqual(0.0, Numerics.MaxAbsDiff(expected[i], actual[i]), $"output {i}");
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    public void BFloat16FrozenBaseIsSavedAsBFloat16AndReloadsIdentically()
    {
        using var scope = NewDisposeScope();
        string dir = TempDirectory();
        try
        {
            var config = MaMATestModels.Small with { FrozenTextBaseDType = "bfloat16" };
            using var model = MaMATestModels.Build(config, seed: 33);
            Assert.AreEqual(ScalarType.BFloat16, model.state_dict()["text_encoder_q.model.h.0.attn.c_attn.weight"].dtype);
            Assert.AreEqual(ScalarType.Float32, model.state_dict()["text_encoder_q.model.h.0.attn.c_attn.lora_A.weight"].dtype);
            var expected = Outputs(model, config);
            MaMAModelDirectory.Save(model, dir);
            var loaded = MaMAModelDirectory.Load(dir);
            using var reloaded = loaded.Model;
            Assert.AreEqual(ScalarType.BFloat16, reloaded.state_dict()["text_encoder_q.model.wte.weight"].dtype);
            var actual = Outputs(reloaded, config);
            for (int i = 0; i < expected.Length; i++) Assert.AreEqual(0.0, Numerics.MaxAbsDiff(expected[i], actual[i]), $"output {i}");
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    public void TokenizerTravelsWithTheModelAndMustFitIt()
    {
        string dir = TempDirectory(), files = TempDirectory();
        try
        {
            Gpt2VocabularyFixture.WriteVocabAndMerges(files);
            var tiny = MaMAConfig.Tiny with { Vision = MaMAConfig.Tiny.Vision with { Depth = 1 }, Text = MaMAConfig.Tiny.Text with { Layers = 1 } };
            using (var model = MaMATestModels.Build(tiny, seed: 34)) MaMAModelDirectory.Save(model, dir, files);
            var loaded = MaMAModelDirectory.Load(dir);
            loaded.Model.Dispose();
            Assert.IsNotNull(loaded.Tokenizer);
            Assert.AreEqual(tiny.TextVocabSize, loaded.Tokenizer.VocabularySize);
            CollectionAssert.AreEqual(new[] { 15496, 995 }, loaded.Tokenizer.Encode("Hello world").ToArray());

            using var small = MaMATestModels.Build(MaMATestModels.Small, seed: 35);
            var e = Assert.ThrowsExactly<TokenizerFileException>(() => MaMAModelDirectory.Save(small, dir, files));
            StringAssert.Contains(e.Message, "50263");
            Assert.IsNotNull(MaMAModelDirectory.Load(dir).Tokenizer, "a failed save leaves the earlier one intact");
        }
        finally
        {
            foreach (var d in new[] { dir, files }) if (Directory.Exists(d)) Directory.Delete(d, recursive: true);
        }
    }

    [TestMethod]
    public void StrictLoadReportsMissingUnexpectedAndMisShapedTensors()
    {
        using var scope = NewDisposeScope();
        string dir = TempDirectory();
        try
        {
            var config = MaMATestModels.Small;
            using (var model = MaMATestModels.Build(config, seed: 36)) MaMAModelDirectory.Save(model, dir);
            string weights = Path.Combine(dir, MaMAModelDirectory.WeightsFile);
            var state = Safetensors.LoadStateDict(weights);
            state.Remove("img_encoder_q.global_embed.bias");
            state["img_encoder_q.extra.weight"] = zeros(2);
            File.Delete(weights);
            using (var stream = File.Create(weights)) Safetensors.SaveStateDict(stream, state);

            var e = Assert.ThrowsExactly<WeightLoadException>(() => MaMAModelDirectory.Load(dir));
            Assert.IsNotNull(e.Report);
            CollectionAssert.AreEqual(new[] { "img_encoder_q.global_embed.bias" }, e.Report.Missing);
            CollectionAssert.AreEqual(new[] { "img_encoder_q.extra.weight" }, e.Report.Unexpected);
            StringAssert.Contains(e.Message, "img_encoder_q.global_embed.bias");

            var lenient = MaMAModelDirectory.Load(dir, strict: false);
            lenient.Model.Dispose();
            Assert.HasCount(1, lenient.Report.Missing);

            state["img_encoder_q.global_embed.bias"] = zeros(3);
            File.Delete(weights);
            using (var stream = File.Create(weights)) Safetensors.SaveStateDict(stream, state);
            var shape = Assert.ThrowsExactly<WeightLoadException>(() => MaMAModelDirectory.Load(dir, strict: false));
            StringAssert.Contains(shape.Message, "img_encoder_q.global_embed.bias: model [16], file [3]");
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    public void BadDirectoriesGiveClearErrors()
    {
        string dir = TempDirectory();
        try
        {
            Assert.ThrowsExactly<MaMAModelFormatException>(() => MaMAModelDirectory.Load(dir));
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "notes.txt"), "keep me");
            StringAssert.Contains(Assert.ThrowsExactly<MaMAModelFormatException>(() => MaMAModelDirectory.Load(dir)).Message, "config.json");
            using (var model = MaMATestModels.Build(MaMATestModels.Small, seed: 37))
                Assert.ThrowsExactly<IOException>(() => MaMAModelDirectory.Save(model, dir));
            Assert.IsTrue(File.Exists(Path.Combine(dir, "notes.txt")), "a directory that is not a model is never replaced");

            File.WriteAllText(Path.Combine(dir, "config.json"), MaMATestModels.Small.ToJson());
            StringAssert.Contains(Assert.ThrowsExactly<MaMAModelFormatException>(() => MaMAModelDirectory.Load(dir)).Message, "model.safetensors");
            File.WriteAllBytes(Path.Combine(dir, "model.safetensors"), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
            StringAssert.Contains(Assert.ThrowsExactly<WeightLoadException>(() => MaMAModelDirectory.Load(dir)).Message, "model.safetensors");
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
    }
}
