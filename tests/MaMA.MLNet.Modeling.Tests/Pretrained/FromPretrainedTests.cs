using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Pretrained;
using MaMA.MLNet.Modeling.Tests.MaMA;
using MaMA.MLNet.Modeling.Tests.TestSupport;
using MaMA.MLNet.Modeling.Text;
using MaMA.MLNet.Modeling.Text.Lora;
using MaMA.MLNet.Modeling.Tokenization;
using MaMA.MLNet.Modeling.Vision;
using MaMA.MLNet.Modeling.Weights;
using MaMA.MLNet.Tests.Shared;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.Pretrained;

[TestClass]
public sealed class FromPretrainedTests
{
    private string root = "";

    [TestInitialize]
    public void CreateFolder() => root = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"mama-pretrained-{Guid.NewGuid():N}")).FullName;

    [TestCleanup]
    public void DeleteFolder()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    /// <summary>A small MaMA template: the encoders come from the files, the rest is small.</summary>
    private static MaMAPretrainedOptions Options(string? image, string text) => new()
    {
        ImageWeights = image,
        TextModel = text,
        Template = MaMAConfig.Tiny with { EmbeddingSize = 16, LocalProjectionHidden = 24, TextMaxLength = 32 },
    };

    private static (Tensor Ids, Tensor Mask) Captions()
    {
        var tokenizer = MaMATokenizer.CreateGpt2();
        var encoded = tokenizer.EncodeCaptions(["Left CC view. Density: scattered fibroglandular.", "Right MLO; no mass."], 32);
        return encoded.ToTensors();
    }

    [TestMethod]
    public void AResNetTemplateIsRefusedBeforeAnyFileIsRead()
    {
        // Neither path exists: the refusal must come first, naming the encoder, not a missing file.
        var options = Options(Path.Combine(root, "absent-dinov2.pth"), Path.Combine(root, "absent-gpt2")) with { Template = MaMAConfig.ResNet18ImageNet };
        var e = Assert.ThrowsExactly<ArgumentException>(() => MaMAModel.FromPretrained(options));
        StringAssert.Contains(e.Message, "ResNet");
        StringAssert.Contains(e.Message, "ResNetOnnxWeights.LoadInto");
    }

    [TestMethod]
    public void OneCallGivesTheBackboneOutputsOfThePartsLoadedSeparately()
    {
        using var scope = NewDisposeScope();
        using var vit = PretrainedTestFiles.BuildVision(seed: 1);
        using var gpt = PretrainedTestFiles.BuildText(seed: 2);
        string pth = PretrainedTestFiles.WriteHubPth(vit, Path.Combine(root, "dinov2_vits_reg4_pretrain.pth"));
        string text = PretrainedTestFiles.WriteHuggingFaceGpt2(gpt, Path.Combine(root, "gpt2"));

        var loaded = MaMAModel.FromPretrained(Options(pth, text));
        using var model = loaded.Model;
        Assert.HasCount(2, loaded.Reports);
        Assert.IsTrue(loaded.Reports.All(r => r.IsClean), loaded.ToString());
        Assert.AreEqual(PretrainedTestFiles.Vision, model.Config.Vision, "the ViT configuration is read from the .pth shapes");
        Assert.AreEqual(PretrainedTestFiles.Text, model.Config.Text, "the GPT-2 configuration is read from config.json");
        Assert.AreEqual(50257 + 6, model.Config.TextVocabSize);
        Assert.AreEqual(loaded.Tokenizer.SepId, model.Config.SeparatorTokenId);

        // The parts loaded on their own by the existing loaders.
        using var vitAlone = new VisionTransformer(PretrainedTestFiles.Vision);
        Assert.IsTrue(Dinov2WeightLoader.Load(vitAlone, pth).IsClean);
        vitAlone.eval();
        using var gptAlone = new Gpt2TextEncoder(PretrainedTestFiles.Text);
        Gpt2WeightImporter.LoadFile(gptAlone, Path.Combine(text, "model.safetensors"));
        gptAlone.eval();

        var pixels = MaMATestModels.Pixels(2, 56, 56, seed: 3);
        var (captionIds, mask) = Captions();
        // The encoder loaded alone has only the base vocabulary: special tokens (sep, pad) become id 0 for this comparison.
        var ids = captionIds.masked_fill(captionIds.ge(50257), 0);
        using (no_grad())
        {
            var expectedImage = vitAlone.forward(pixels);
            var actualImage = model.ImageEncoder.Backbone.forward(pixels);
            Assert.AreEqual(0.0, Numerics.MaxAbsDiff(expectedImage.PooledFeature, actualImage.PooledFeature), 1e-6);
            Assert.AreEqual(0.0, Numerics.MaxAbsDiff(expectedImage.PatchTokens, actualImage.PatchTokens), 1e-6);
            var expectedText = gptAlone.forward(ids, mask);
            var actualText = model.TextEncoder.Backbone.forward(ids, mask);
            Assert.AreEqual(0.0, Numerics.MaxAbsDiff(expectedText, actualText), 1e-6);

            // The loaded weights matter: a model with the same config but fresh encoders gives other outputs.
            using var fresh = new MaMAModel(model.Config);
            fresh.eval();
            Assert.IsGreaterThan(1e-2, Numerics.MaxAbsDiff(actualImage.PooledFeature, fresh.ImageEncoder.Backbone.forward(pixels).PooledFeature));
            Assert.IsGreaterThan(1e-2, Numerics.MaxAbsDiff(actualText, fresh.TextEncoder.Backbone.forward(ids, mask)));
        }

        // The resize keeps every old row and adds six rows drawn from N(0, 0.02^2) (transformers 4.35.2).
        var wte = model.TextEncoder.Backbone.TokenEmbedding.Weight;
        Assert.AreEqual(50263L, wte.shape[0]);
        Assert.AreEqual(0.0, Numerics.MaxAbsDiff(gptAlone.TokenEmbedding.Weight, wte.narrow(0, 0, 50257)));
        var added = wte.narrow(0, 50257, 6);
        double std = added.std().item<float>(), mean = added.mean().item<float>();
        Assert.AreEqual(0.02, std, 0.004, "new rows N(0, 0.02^2)");
        Assert.AreEqual(0.0, mean, 0.004);
        var oldMean = gptAlone.TokenEmbedding.Weight.mean([0]);
        Assert.IsGreaterThan(0.01, Numerics.MaxAbsDiff(added[0], oldMean), "not the mean of the old rows (transformers >= 4.46)");

        // LoRA is on, its base frozen; the heads are fresh and trainable.
        Assert.IsTrue(model.TextEncoder.Backbone.LinearLayers().Any(l => l.Name.EndsWith("c_attn", StringComparison.Ordinal)));
        Assert.IsFalse(model.TextEncoder.Backbone.TokenEmbedding.Weight.requires_grad);
        Assert.IsTrue(model.TrainableParameters().Any(p => p.Name.Contains(".lora_A.", StringComparison.Ordinal)));
        Assert.IsTrue(model.TrainableParameters().Any(p => p.Name == "img_encoder_q.global_embed.weight"));
    }

    [TestMethod]
    public void EveryFormatGivesTheSameModel()
    {
        using var scope = NewDisposeScope();
        using var vit = PretrainedTestFiles.BuildVision(seed: 4);
        using var gpt = PretrainedTestFiles.BuildText(seed: 5);
        string pth = PretrainedTestFiles.WriteHubPth(vit, Path.Combine(root, "hub.pth"));
        string hfVision = PretrainedTestFiles.WriteHuggingFaceDinov2(vit, Path.Combine(root, "dinov2-hf"));
        string textSafetensors = PretrainedTestFiles.WriteHuggingFaceGpt2(gpt, Path.Combine(root, "gpt2-safetensors"));
        string textPickle = PretrainedTestFiles.WriteHuggingFaceGpt2(gpt, Path.Combine(root, "gpt2-bin"), pickle: true);
        // A bare safetensors file with Hugging Face names (no config): read by its shapes.
        string bare = Path.Combine(root, "bare.safetensors");
        File.Copy(Path.Combine(hfVision, "model.safetensors"), bare);

        Assert.AreEqual(PretrainedTestFiles.Vision, Dinov2HuggingFaceConfig.Read(Path.Combine(hfVision, "config.json")));
        var reference = MaMAModel.FromPretrained(Options(pth, textSafetensors));
        using var expected = reference.Model;
        var pixels = MaMATestModels.Pixels(2, 56, 56, seed: 6);
        var (ids, mask) = Captions();
        foreach (var (image, text) in new[] { (hfVision, textPickle), (bare, textSafetensors) })
        {
            var other = MaMAModel.FromPretrained(Options(image, text));
            using var actual = other.Model;
            Assert.IsTrue(other.Reports.All(r => r.IsClean), other.ToString());
            Assert.AreEqual(expected.Config.ToJson(), actual.Config.ToJson(), $"{image} + {text}");
            using (no_grad())
            {
                // Same seed, same fresh parts: the whole model is the same, so the embeddings are too.
                Assert.AreEqual(0.0, Numerics.MaxAbsDiff(expected.EncodeImages(pixels).Embedding, actual.EncodeImages(pixels).Embedding), 1e-6, image);
                Assert.AreEqual(0.0, Numerics.MaxAbsDiff(expected.EncodeTexts(ids, mask), actual.EncodeTexts(ids, mask)), 1e-6, text);
            }
        }
    }

    [TestMethod]
    public void ImageSizeOptionInterpolatesThePositionEmbedding()
    {
        using var vit = PretrainedTestFiles.BuildVision(seed: 7);
        using var gpt = PretrainedTestFiles.BuildText(seed: 8);
        string pth = PretrainedTestFiles.WriteHubPth(vit, Path.Combine(root, "hub.pth"));
        string text = PretrainedTestFiles.WriteHuggingFaceGpt2(gpt, Path.Combine(root, "gpt2"));
        var loaded = MaMAModel.FromPretrained(Options(pth, text) with { ImageSize = 84 });
        using var model = loaded.Model;
        Assert.AreEqual(84, model.Config.Vision.ImageSize);
        StringAssert.Contains(loaded.Reports[0].ToString(), "interpolated from a 4x4 grid to 6x6");
    }

    [TestMethod]
    public void AWrongFileGivesAnErrorNamingTheFileAndTheTensor()
    {
        using var vit = PretrainedTestFiles.BuildVision(seed: 9);
        using var gpt = PretrainedTestFiles.BuildText(seed: 10);
        string pth = PretrainedTestFiles.WriteHubPth(vit, Path.Combine(root, "hub.pth"));
        string good = PretrainedTestFiles.WriteHuggingFaceGpt2(gpt, Path.Combine(root, "gpt2"));

        // A text file with one mis-shaped tensor.
        string bad = PretrainedTestFiles.WriteHuggingFaceGpt2(gpt, Path.Combine(root, "gpt2-bad"),
            tamper: state => state["h.1.mlp.c_fc.weight"] = zeros(32, 64));
        var e = Assert.ThrowsExactly<WeightLoadException>(() => MaMAModel.FromPretrained(Options(pth, bad)));
        StringAssert.Contains(e.Message, Path.Combine(bad, "model.safetensors"));
        StringAssert.Contains(e.Message, "h.1.mlp.c_fc.weight");

        // The text weights given as the image weights.
        e = Assert.ThrowsExactly<WeightLoadException>(() => MaMAModel.FromPretrained(Options(Path.Combine(good, "model.safetensors"), good)));
        StringAssert.Contains(e.Message, Path.Combine(good, "model.safetensors"));
        StringAssert.Contains(e.Message, "patch_embed.proj.weight");

        // A ViT file missing one block tensor: strict, named.
        using (var scope = NewDisposeScope())
        {
            var state = vit.state_dict().Where(kv => kv.Key != "blocks.1.attn.proj.bias").ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
            string partial = Path.Combine(root, "partial.pth");
            using (var stream = File.Create(partial)) PyTorchPickler.PickleStateDict(stream, state);
            e = Assert.ThrowsExactly<WeightLoadException>(() => MaMAModel.FromPretrained(Options(partial, good)));
            StringAssert.Contains(e.Message, partial);
            StringAssert.Contains(e.Message, "blocks.1.attn.proj.bias");
        }

        // config.json of another model type, and one without a required field.
        File.WriteAllText(Path.Combine(bad, "config.json"), """{"model_type": "llama", "vocab_size": 10}""");
        e = Assert.ThrowsExactly<WeightLoadException>(() => MaMAModel.FromPretrained(Options(pth, bad)));
        StringAssert.Contains(e.Message, Path.Combine(bad, "config.json"));
        StringAssert.Contains(e.Message, "llama");
        File.WriteAllText(Path.Combine(bad, "config.json"), """{"model_type": "gpt2", "vocab_size": 50257, "n_positions": 32, "n_embd": 32, "n_layer": 2}""");
        e = Assert.ThrowsExactly<WeightLoadException>(() => MaMAModel.FromPretrained(Options(pth, bad)));
        StringAssert.Contains(e.Message, "'n_head'");

        // A tokenizer whose vocabulary does not match config.json.
        File.WriteAllText(Path.Combine(bad, "config.json"), File.ReadAllText(Path.Combine(good, "config.json")).Replace("50257", "50000"));
        var t = Assert.ThrowsExactly<TokenizerFileException>(() => MaMAModel.FromPretrained(Options(pth, bad)));
        StringAssert.Contains(t.Message, "vocab_size");
    }

    [TestMethod]
    public void AReferenceCheckpointRebuildsTheModelWithTheReferencePooling()
    {
        using var scope = NewDisposeScope();
        using var gpt = PretrainedTestFiles.BuildText(seed: 11);
        string text = PretrainedTestFiles.WriteHuggingFaceGpt2(gpt, Path.Combine(root, "gpt2"));
        var config = MaMAConfig.Tiny with
        {
            Vision = PretrainedTestFiles.Vision,
            Text = PretrainedTestFiles.Text,
            TextMaxLength = 32,
            EmbeddingSize = 16,
            LocalProjectionHidden = 24,
            TextPooling = TextPooling.PaddedMean,
            Lora = new LoraConfig { Rank = 4 },
        };
        using var original = MaMATestModels.Build(config, seed: 12);
        original.eval();
        string checkpoint = Path.Combine(root, "last.ckpt");
        using (var stream = File.Create(checkpoint)) PyTorchPickler.PickleStateDict(stream, MaMAReferenceCheckpointTests.ReferenceStateDict(original));

        var loaded = MaMAReferenceCheckpoint.LoadModel(checkpoint, text);
        using var model = loaded.Model;
        Assert.AreEqual(TextPooling.PaddedMean, model.Config.TextPooling, "set by the loader, no flag needed");
        Assert.AreEqual(config.ToJson(), model.Config.ToJson(), "every size read from the checkpoint and config.json");
        var pixels = MaMATestModels.Pixels(2, 56, 56, seed: 13);
        var (ids, mask) = Captions();
        using (no_grad())
        {
            Assert.AreEqual(0.0, Numerics.MaxAbsDiff(original.EncodeTexts(ids, mask), model.EncodeTexts(ids, mask)), 1e-6);
            Assert.AreEqual(0.0, Numerics.MaxAbsDiff(original.EncodeImages(pixels).Embedding, model.EncodeImages(pixels).Embedding), 1e-6);
        }
    }
}
