using MaMA.MLNet.Modeling.MaMA;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.MaMA;

// Every module of a fresh model gets its intended random init, not a constant: TorchSharp 0.107's trunc_normal_
// once filled the ViT with 0.02, so the GPT-2 (normal_) and head (torch.nn.Linear default) inits are checked too.
[TestClass]
public sealed class MaMAWeightStatisticsTests
{
    private static (double Mean, double Std, double AbsMax) Stats(Tensor t)
    {
        using var scope = NewDisposeScope();
        var w = t.detach().to(ScalarType.Float64);
        return (w.mean().item<double>(), w.std().item<double>(), w.abs().max().item<double>());
    }

    [TestMethod]
    public void FreshGpt2WeightsAreNormalWithGpt2Std()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(60);
        using var model = new MaMAModel(MaMAConfig.Tiny);
        var sd = model.state_dict();
        double residual = 0.02 / Math.Sqrt(2.0 * MaMAConfig.Tiny.Text.Layers);
        var expected = new Dictionary<string, double>
        {
            ["text_encoder_q.model.wte.weight"] = 0.02,
            ["text_encoder_q.model.wpe.weight"] = 0.02,
            ["text_encoder_q.model.h.0.attn.c_attn.weight"] = 0.02,
            ["text_encoder_q.model.h.1.mlp.c_fc.weight"] = 0.02,
            ["text_encoder_q.model.h.0.attn.c_proj.weight"] = residual,
            ["text_encoder_q.model.h.1.mlp.c_proj.weight"] = residual,
        };
        foreach (var (name, std) in expected)
        {
            var s = Stats(sd[name]);
            Assert.AreEqual(std, s.Std, 0.1 * std, $"{name} std");
            Assert.AreEqual(0.0, s.Mean, 0.1 * std, $"{name} mean");
            // A normal sample of >= 4096 values reaches well past 2 std (a constant or uniform fill would not).
            Assert.IsGreaterThan(2.5 * std, s.AbsMax, $"{name} has normal tails");
        }
    }

    [TestMethod]
    public void FreshHeadsAreUniformLikeTorchLinear()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(61);
        using var model = new MaMAModel(MaMAConfig.Tiny);
        var sd = model.state_dict();
        foreach (string name in new[] { "img_encoder_q.global_embed.weight", "text_encoder_q.global_embed.weight",
                     "img_encoder_q.local_embed.head.0.weight", "text_encoder_q.local_embed.head.3.weight", "simclr_proj.layers.3.weight" })
        {
            var w = sd[name];
            double bound = 1.0 / Math.Sqrt(w.shape[1] * (w.dim() > 2 ? w.shape[2] : 1));
            var s = Stats(w);
            // U(-b, b): std b / sqrt(3), max |w| just below b.
            Assert.AreEqual(bound / Math.Sqrt(3), s.Std, 0.08 * bound, $"{name} std");
            Assert.IsLessThanOrEqualTo(bound, s.AbsMax, $"{name} within the bound");
            Assert.IsGreaterThan(0.95 * bound, s.AbsMax, $"{name} fills the bound");
        }
    }

    [TestMethod]
    public void NoTrainableMatrixIsConstant()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(62);
        using var model = new MaMAModel(MaMAConfig.Tiny with { Lora = null });
        int checkedCount = 0;
        foreach (var (name, p) in model.named_parameters())
        {
            // The frozen mask token and LoRA B start at zero by design; norms, biases and scales are constants by design (1-d).
            if (!p.requires_grad || p.dim() < 2 || name.Contains("lora_B", StringComparison.Ordinal)) continue;
            Assert.IsGreaterThan(1e-7, Stats(p).Std, $"{name} is not a constant fill");
            checkedCount++;
        }
        Assert.IsGreaterThan(20, checkedCount);
    }
}
