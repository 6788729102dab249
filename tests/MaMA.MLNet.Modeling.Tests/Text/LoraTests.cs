using MaMA.MLNet.Modeling.Text;
using MaMA.MLNet.Modeling.Text.Lora;
using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.Text;

[TestClass]
public sealed class LoraTests
{
    [TestMethod]
    public void PaperConfigurationHasExactlyTheStatedAdapterCount()
    {
        // 32 layers x r 8 x (2560 in + 7680 out) on c_attn.
        Assert.AreEqual(32L * 8 * (2560 + 7680), new LoraConfig().CountParameters(Gpt2Config.BioMedLM));
        Assert.AreEqual(2_621_440L, new LoraConfig().CountParameters(Gpt2Config.BioMedLM));
        Assert.AreEqual(4.0, new LoraConfig().Scaling);
    }

    [TestMethod]
    public void ConfigCountEqualsTheTrainableParametersOfARealModule()
    {
        using var scope = NewDisposeScope();
        foreach (var lora in new[] { new LoraConfig(), new LoraConfig { Rank = 3, TargetModules = ["c_attn", "mlp.c_proj"] } })
        {
            using var encoder = new Gpt2TextEncoder(Gpt2Config.Tiny);
            LoraInjector.Apply(encoder, lora);
            long trainable = encoder.parameters().Where(p => p.requires_grad).Sum(p => p.numel());
            Assert.AreEqual(trainable, lora.CountParameters(Gpt2Config.Tiny));
            Assert.AreEqual(trainable, LoraInjector.AdapterParameters(encoder).Sum(p => p.Parameter.numel()));
        }
    }

    [TestMethod]
    public void AdaptersFollowPeftNamesShapesAndTargets()
    {
        using var scope = NewDisposeScope();
        using var encoder = new Gpt2TextEncoder(Gpt2Config.Tiny);
        var adapted = LoraInjector.Apply(encoder, new LoraConfig { TargetModules = ["c_attn", "mlp.c_proj"] });
        CollectionAssert.AreEquivalent(new[] { "h.0.attn.c_attn", "h.0.mlp.c_proj", "h.1.attn.c_attn", "h.1.mlp.c_proj" }, adapted.ToArray());
        var sd = encoder.state_dict();
        CollectionAssert.AreEqual(new long[] { 8, 32 }, sd["h.0.attn.c_attn.lora_A.weight"].shape);
        CollectionAssert.AreEqual(new long[] { 96, 8 }, sd["h.0.attn.c_attn.lora_B.weight"].shape);
        CollectionAssert.AreEqual(new long[] { 8, 128 }, sd["h.1.mlp.c_proj.lora_A.weight"].shape);
        Assert.IsTrue(sd.ContainsKey("h.0.attn.c_attn.weight"), "base weight keeps its name");
        Assert.IsFalse(sd.ContainsKey("h.0.attn.c_proj.lora_A.weight"), "attn.c_proj is not a target");
        Assert.ThrowsExactly<ArgumentException>(() => LoraInjector.Apply(new Gpt2TextEncoder(Gpt2Config.Tiny), new LoraConfig { TargetModules = ["q_proj"] }));
    }

    [TestMethod]
    public void InitialisationIsPeftsKaimingAForZeroB()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(21);
        using var encoder = new Gpt2TextEncoder(Gpt2Config.Tiny with { Width = 256, Heads = 4 });
        LoraInjector.Apply(encoder, new LoraConfig());
        var layer = encoder.LinearLayers().First(l => l.Name == "h.0.attn.c_attn").Layer;
        // kaiming_uniform(a = sqrt 5) on [r, in]: gain sqrt(2 / (1 + 5)), bound gain * sqrt(3 / in) = 1 / sqrt(in).
        double bound = 1 / Math.Sqrt(256);
        var a = layer.LoraA!;
        Assert.IsLessThanOrEqualTo(bound, a.abs().max().item<float>());
        Assert.AreEqual(bound / Math.Sqrt(3), a.std().item<float>(), bound * 0.05);
        Assert.AreEqual(0, layer.LoraB!.abs().max().item<float>());
    }

    [TestMethod]
    public void FreshAdaptersLeaveTheOutputUnchanged()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(22);
        using var encoder = new Gpt2TextEncoder(Gpt2Config.Tiny);
        encoder.eval();
        var ids = Gpt2Reference.Ids([[4, 8, 15, 16, 23, 42]]);
        using var _ = no_grad();
        var before = encoder.forward(ids, null);
        LoraInjector.Apply(encoder, new LoraConfig());
        Assert.AreEqual(0, Gpt2Reference.MaxAbsDiff(before, encoder.forward(ids, null)));
    }

    [TestMethod]
    public void LoraLayerComputesBaseplusScaledLowRankUpdate()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(23);
        using var layer = new LoraLinear("probe", 6, 5);
        layer.AddAdapter(rank: 2, alpha: 3, dropout: 0.0);
        Gpt2Reference.Randomise(layer, 0.5);
        var x = randn(4, 6);
        using var _ = no_grad();
        var expected = x.matmul(layer.Weight.t()) + layer.Bias! + 1.5 * x.matmul(layer.LoraA!.t()).matmul(layer.LoraB!.t());
        Assert.AreEqual(0, Gpt2Reference.MaxAbsDiff(layer.forward(x), expected), 1e-5);
    }

    [TestMethod]
    public void MergedOutputEqualsUnmergedOutputAndUnmergeRestoresTheBase()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(24);
        using var encoder = new Gpt2TextEncoder(Gpt2Config.Tiny);
        encoder.to(ScalarType.Float64);
        LoraInjector.Apply(encoder, new LoraConfig { TargetModules = ["c_attn", "c_fc"] });
        Gpt2Reference.Randomise(encoder);
        encoder.eval();
        var ids = Gpt2Reference.Ids([[4, 8, 15, 16, 23, 42], [1, 1, 2, 3, 5, 8]]);
        var mask = Gpt2Reference.Mask([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]]);
        using var _ = no_grad();
        var baseWeight = encoder.state_dict()["h.1.attn.c_attn.weight"].clone();
        var unmerged = encoder.forward(ids, mask);
        LoraInjector.MergeAll(encoder);
        Assert.IsGreaterThan(1e-3, Gpt2Reference.MaxAbsDiff(baseWeight, encoder.state_dict()["h.1.attn.c_attn.weight"]));
        var merged = encoder.forward(ids, mask);
        Assert.AreEqual(0, Gpt2Reference.MaxAbsDiff(unmerged, merged), 1e-10);
        LoraInjector.UnmergeAll(encoder);
        Assert.AreEqual(0, Gpt2Reference.MaxAbsDiff(baseWeight, encoder.state_dict()["h.1.attn.c_attn.weight"]), 1e-12);
        Assert.AreEqual(0, Gpt2Reference.MaxAbsDiff(unmerged, encoder.forward(ids, mask)), 1e-10);
    }

    [TestMethod]
    public void OnlyAdapterParametersReceiveGradients()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(25);
        using var encoder = new Gpt2TextEncoder(Gpt2Config.Tiny);
        LoraInjector.Apply(encoder, new LoraConfig());
        // B starts at zero, which would leave A's gradient zero too; give B values first.
        using (no_grad())
            foreach (var (name, p) in LoraInjector.AdapterParameters(encoder).Where(p => p.Name.Contains("lora_B")))
                p.copy_(randn_like(p) * 0.1);
        encoder.train();
        var hidden = encoder.forward(Gpt2Reference.Ids([[4, 8, 15, 16, 23, 42]]), null);
        hidden.pow(2).mean().backward();
        foreach (var (name, p) in encoder.named_parameters())
        {
            bool isAdapter = name.Contains(".lora_A.") || name.Contains(".lora_B.");
            Assert.AreEqual(isAdapter, p.requires_grad, name);
            if (isAdapter)
            {
                Assert.IsNotNull(p.grad, name);
                Assert.IsGreaterThan(0, p.grad.abs().sum().item<float>(), name);
            }
            else Assert.IsNull(p.grad, name);
        }
    }
}
