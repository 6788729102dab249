using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Tests.MaMA;
using MaMA.MLNet.Modeling.Tests.TestSupport;
using MaMA.MLNet.Modeling.Text;
using MaMA.MLNet.Modeling.Text.Lora;
using MaMA.MLNet.Modeling.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests;

/// <summary>
/// Activation recomputation gives the gradients of the plain path (with dropout and stochastic depth on, so the
/// restored random state matters) and of finite differences.
/// </summary>
[TestClass]
public sealed class ActivationRecomputationTests
{
    /// <summary>Loss value and every gradient (trainable parameters, plus <paramref name="leaf"/> when given) of one backward pass.</summary>
    private static (double Loss, Dictionary<string, Tensor> Grads) Gradients(nn.Module module, Func<Tensor> loss, long seed, Tensor? leaf = null)
    {
        foreach (var p in module.parameters()) p.grad = null;
        if (leaf is not null) leaf.grad = null;
        manual_seed(seed);
        var value = loss();
        value.backward();
        var grads = module.named_parameters().Where(p => p.parameter.requires_grad)
            .ToDictionary(p => p.name, p => p.parameter.grad?.detach().clone() ?? throw new AssertFailedException($"{p.name} got no gradient"));
        if (leaf is not null) grads["<input>"] = leaf.grad!.detach().clone();
        return (value.item<float>(), grads);
    }

    private static void AssertSame((double Loss, Dictionary<string, Tensor> Grads) plain, (double Loss, Dictionary<string, Tensor> Grads) recomputed, double tolerance)
    {
        Assert.AreEqual(plain.Loss, recomputed.Loss, 1e-6, "loss");
        CollectionAssert.AreEquivalent(plain.Grads.Keys.ToList(), recomputed.Grads.Keys.ToList());
        foreach (var (name, g) in plain.Grads)
        {
            double scale = Math.Max(1e-6, g.abs().max().item<float>());
            Assert.AreEqual(0.0, Numerics.MaxAbsDiff(g, recomputed.Grads[name]) / scale, tolerance, $"gradient of {name}");
        }
    }

    [TestMethod]
    public void VisionTransformerWithStochasticDepthGetsThePlainGradients()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(1);
        using var vit = new VisionTransformer(VisionTransformerConfig.Tiny with { DropPathRate = 0.5, Depth = 3 });
        vit.train();
        foreach (var (name, p) in vit.named_parameters()) if (name == "mask_token") p.requires_grad = false; // unused in forward
        var pixels = MaMATestModels.Pixels(3, 56, 56, seed: 2).requires_grad_(true);
        var weights = randn(3, 16, 64);
        Tensor Loss()
        {
            var output = vit.forward(pixels);
            return output.PooledFeature.pow(2).sum() + (output.PatchTokens * weights).sum();
        }
        var plain = Gradients(vit, Loss, seed: 3, leaf: pixels);
        vit.RecomputeActivations = true;
        var recomputed = Gradients(vit, Loss, seed: 3, leaf: pixels);
        AssertSame(plain, recomputed, 1e-5);

        // Another dropout seed gives other gradients: the comparison above depends on the restored random state.
        var otherSeed = Gradients(vit, Loss, seed: 4, leaf: pixels);
        Assert.IsGreaterThan(1e-3, Numerics.MaxAbsDiff(plain.Grads["blocks.2.mlp.fc2.weight"], otherSeed.Grads["blocks.2.mlp.fc2.weight"]));
    }

    [TestMethod]
    public void TextEncoderWithLoraDropoutAndPaddingGetsThePlainGradients()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(5);
        using var gpt = new Gpt2TextEncoder(Gpt2Config.Tiny with { Layers = 3 });
        LoraInjector.Apply(gpt, new LoraConfig { Rank = 4, TargetModules = ["c_attn", "c_fc"] });
        using (no_grad())
            foreach (var (name, p) in gpt.named_parameters())
                if (name.Contains(".lora_B.", StringComparison.Ordinal)) p.copy_(randn_like(p) * 0.1);
        gpt.train();
        var ids = randint(0, 96, [2, 12], dtype: ScalarType.Int64);
        var mask = ones(2, 12, dtype: ScalarType.Int64);
        mask[1, 8..] = zeros(4, dtype: ScalarType.Int64);
        var weights = randn(2, 12, 32);
        Tensor Loss() => (gpt.forward(ids, mask) * weights).sum();
        var plain = Gradients(gpt, Loss, seed: 6);
        Assert.IsTrue(plain.Grads.Keys.All(n => n.Contains(".lora_", StringComparison.Ordinal)), "only the adapters train");
        gpt.RecomputeActivations = true;
        var recomputed = Gradients(gpt, Loss, seed: 6);
        AssertSame(plain, recomputed, 1e-5);
    }

    [TestMethod]
    public void WholeModelLossesGetThePlainGradientsWithAFrozenBFloat16Base()
    {
        using var scope = NewDisposeScope();
        var config = MaMATestModels.Small with { FrozenTextBaseDType = "bfloat16", Vision = MaMATestModels.Small.Vision with { DropPathRate = 0.2 } };
        using var model = MaMATestModels.Build(config, seed: 7);
        Assert.AreEqual(ScalarType.BFloat16, model.TextEncoder.Backbone.TokenEmbedding.Weight.dtype);
        Assert.IsTrue(model.TrainableParameters().All(p => p.Parameter.dtype == ScalarType.Float32), "trainable parts keep float32 master weights");
        model.train();
        var pixels = MaMATestModels.Pixels(4, 56, 56, seed: 8);
        var (ids, mask) = MaMATestModels.Captions(config, [10, 16, 12, 8], [2, 3, 1, 2], 16, seed: 9);
        var batch = MaMABatch.Create(pixels, pixels.flip(3), ids, mask, config.SeparatorTokenId);
        Tensor Loss() => model.ComputeLosses(batch, MaMALossSwitches.All).Total;
        var plain = Gradients(model, Loss, seed: 10);
        model.RecomputeActivations = true;
        var recomputed = Gradients(model, Loss, seed: 10);
        AssertSame(plain, recomputed, 1e-4);
    }

    [TestMethod]
    public void RecomputedBlockMatchesFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(11);
        using var vit = new VisionTransformer(VisionTransformerConfig.Tiny with { Depth = 1 }, dtype: ScalarType.Float64);
        vit.train(); // no dropout in this config: the finite differences are deterministic
        vit.RecomputeActivations = true;
        var pixels = MaMATestModels.Pixels(1, 14, 14, seed: 12).to(ScalarType.Float64);
        Numerics.CheckGradient(pixels, p => vit.forward(p).PooledFeature.pow(2).sum(), tolerance: 1e-5);
    }
}
