using MaMA.MLNet.Modeling.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.Text;

[TestClass]
public sealed class Gpt2ConfigTests
{
    [TestMethod]
    public void Gpt2SmallHasTheWellKnownParameterCount()
    {
        // Hugging Face GPT2Model("gpt2").num_parameters() = 124,439,808 (no LM head).
        Assert.AreEqual(124_439_808L, Gpt2Config.Gpt2.CountParameters());
    }

    [TestMethod]
    public void BioMedLmCountFollowsTheClosedForm()
    {
        // Per block: 12 d^2 + 13 d; embeddings (V + ctx) d; ln_f 2d.
        long d = 2560, v = 28896, ctx = 1024, l = 32;
        Assert.AreEqual((v + ctx) * d + l * (12 * d * d + 13 * d) + 2 * d, Gpt2Config.BioMedLM.CountParameters());
        Assert.AreEqual(2_560_000_000, Gpt2Config.BioMedLM.CountParameters(), 150_000_000);
    }

    [TestMethod]
    public void CountMatchesAnAllocatedModule()
    {
        using var scope = NewDisposeScope();
        foreach (var config in new[] { Gpt2Config.Tiny, Gpt2Config.Tiny with { Layers = 3, Width = 48, Heads = 6, InnerWidth = 100, VocabSize = 77 } })
        {
            using var encoder = new Gpt2TextEncoder(config);
            long allocated = encoder.parameters().Sum(p => p.numel());
            Assert.AreEqual(allocated, config.CountParameters());
        }
    }

    [TestMethod]
    public void PresetsHaveThePublishedShapes()
    {
        var g = Gpt2Config.FromPreset("GPT2");
        Assert.AreEqual((50257, 1024, 768, 12, 12), (g.VocabSize, g.ContextLength, g.Width, g.Layers, g.Heads));
        var b = Gpt2Config.FromPreset("biomedlm");
        Assert.AreEqual((28896, 1024, 2560, 32, 20), (b.VocabSize, b.ContextLength, b.Width, b.Layers, b.Heads));
        Assert.AreEqual(1e-5, b.LayerNormEps);
        Assert.AreEqual(Gpt2Activation.GeluTanh, b.Activation);
        Assert.AreEqual(128, b.HeadWidth);
        Assert.ThrowsExactly<ArgumentException>(() => Gpt2Config.FromPreset("gpt5"));
    }

    [TestMethod]
    public void ValidationNamesTheBadValue()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => (Gpt2Config.Tiny with { Heads = 3 }).Validate());
        StringAssert.Contains(e.Message, "Heads");
        e = Assert.ThrowsExactly<ArgumentException>(() => (Gpt2Config.Tiny with { AttentionDropout = 1.0 }).Validate());
        StringAssert.Contains(e.Message, "AttentionDropout");
        e = Assert.ThrowsExactly<ArgumentException>(() => (Gpt2Config.Tiny with { VocabSize = 0 }).Validate());
        StringAssert.Contains(e.Message, "VocabSize");
    }
}
