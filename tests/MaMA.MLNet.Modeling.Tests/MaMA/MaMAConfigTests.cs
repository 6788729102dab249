using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Text;
using MaMA.MLNet.Modeling.Tokenization;
using MaMA.MLNet.Modeling.Vision;
using MaMA.MLNet.Modeling.Tests.Tokenization;

namespace MaMA.MLNet.Modeling.Tests.MaMA;

[TestClass]
public sealed class MaMAConfigTests
{
    [TestMethod]
    public void MaMABaseIsThePapersConfiguration()
    {
        var c = MaMAConfig.FromPreset("mama-base");
        Assert.AreEqual(VisionTransformerConfig.DinoV2VitB14Reg, c.Vision);
        Assert.AreEqual(518, c.Vision.ImageSize);
        Assert.AreEqual(4, c.Vision.RegisterCount);
        Assert.AreEqual(Gpt2Config.BioMedLM, c.Text);
        Assert.AreEqual(512, c.EmbeddingSize);
        Assert.AreEqual(2048, c.LocalProjectionHidden);
        Assert.AreEqual(144, c.TextMaxLength);
        Assert.AreEqual(TextPooling.MaskedMean, c.TextPooling);
        Assert.IsNotNull(c.Lora);
        Assert.AreEqual(8, c.Lora.Rank);
        Assert.AreEqual(32.0, c.Lora.Alpha);
        Assert.AreEqual(0.1, c.Lora.Dropout);
        CollectionAssert.AreEqual(new[] { "c_attn" }, c.Lora.TargetModules.ToArray());
        Assert.AreEqual(28896 + 6, c.TextVocabSize);
        Assert.AreEqual(28896 + 3, c.SeparatorTokenId);
    }

    [TestMethod]
    public void PresetsAreFoundByNameAndUnknownNamesAreRejected()
    {
        Assert.AreEqual(MaMAConfig.Tiny.ToJson(), MaMAConfig.FromPreset(" TINY ").ToJson());
        var e = Assert.ThrowsExactly<ArgumentException>(() => MaMAConfig.FromPreset("mama-large"));
        StringAssert.Contains(e.Message, "mama-large");
    }

    [TestMethod]
    public void TinySeparatorAndVocabularyMatchTheGpt2TokenizerWithMaMATokens()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"mama-config-{Guid.NewGuid():N}");
        try
        {
            var tokenizer = MaMATokenizer.FromDirectory(Gpt2VocabularyFixture.WriteVocabAndMerges(dir));
            Assert.AreEqual(tokenizer.VocabularySize, MaMAConfig.Tiny.TextVocabSize);
            Assert.AreEqual(tokenizer.SepId, MaMAConfig.Tiny.SeparatorTokenId);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    public void JsonRoundTripKeepsEverySetting()
    {
        var original = MaMAConfig.Tiny with
        {
            TextPooling = TextPooling.PaddedMean,
            FrozenTextBaseDType = "bfloat16",
            SimClrOutputBatchNorm = false,
            Lora = new global::MaMA.MLNet.Modeling.Text.Lora.LoraConfig { Rank = 4, Alpha = 8, Dropout = 0.0, TargetModules = ["c_attn", "mlp.c_proj"] },
            Vision = MaMAConfig.Tiny.Vision with { FeedForward = FeedForwardKind.SwiGlu, LayerScaleInit = null },
        };
        string json = original.ToJson();
        StringAssert.Contains(json, "\"textPooling\": \"paddedMean\"");
        Assert.IsFalse(json.Contains("gridSize", StringComparison.OrdinalIgnoreCase), "computed properties are not written");
        var back = MaMAConfig.FromJson(json);
        Assert.AreEqual(json, back.ToJson());
        Assert.AreEqual(original.Vision, back.Vision);
        Assert.AreEqual(original.Text, back.Text);
        CollectionAssert.AreEqual(original.Lora!.TargetModules.ToArray(), back.Lora!.TargetModules.ToArray());
        Assert.IsNull(MaMAConfig.FromJson((MaMAConfig.Tiny with { Lora = null }).ToJson()).Lora);
    }

    [TestMethod]
    public void BadJsonGivesAFormatErrorNamingTheProblem()
    {
        string json = MaMAConfig.Tiny.ToJson();
        var unknown = Assert.ThrowsExactly<MaMAModelFormatException>(() => MaMAConfig.FromJson(json.Replace("\"embeddingSize\"", "\"embeddingSise\""), "x/config.json"));
        StringAssert.Contains(unknown.Message, "x/config.json");
        StringAssert.Contains(unknown.Message, "embeddingSise");
        var invalid = Assert.ThrowsExactly<MaMAModelFormatException>(() => MaMAConfig.FromJson(json.Replace("\"embeddingSize\": 128", "\"embeddingSize\": -1")));
        StringAssert.Contains(invalid.Message, "EmbeddingSize");
        Assert.ThrowsExactly<MaMAModelFormatException>(() => MaMAConfig.FromJson("{ not json"));
        Assert.ThrowsExactly<MaMAModelFormatException>(() => MaMAConfig.FromJson("null"));
        var tooLong = Assert.ThrowsExactly<MaMAModelFormatException>(() => MaMAConfig.FromJson(json.Replace("\"textMaxLength\": 144", "\"textMaxLength\": 145")));
        StringAssert.Contains(tooLong.Message, "TextMaxLength");
    }
}
