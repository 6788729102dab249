using MaMA.MLNet.Modeling.MaMA;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.MaMA;

[TestClass]
public sealed class MaMAInitialisationTests
{
    // A fresh model must not start symmetric: TorchSharp 0.107's trunc_normal_ once filled every ViT weight with 0.02.
    [TestMethod]
    public void FreshImageEncoderWeightsAreTruncatedNormalWithStd002()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(50);
        using var model = new MaMAModel(MaMAConfig.Tiny);
        var sd = model.state_dict();
        foreach (string name in new[] { "img_encoder_q.model.blocks.0.attn.qkv.weight", "img_encoder_q.model.blocks.1.mlp.fc1.weight", "img_encoder_q.model.pos_embed" })
        {
            var w = sd[name].to(ScalarType.Float64);
            double std = w.std().item<double>(), mean = w.mean().item<double>();
            Assert.AreEqual(0.02, std, 0.002, $"{name} std");
            Assert.AreEqual(0.0, mean, 0.002, $"{name} mean");
            Assert.IsLessThanOrEqualTo(2.0, w.abs().max().item<double>(), $"{name} is truncated at 2");
        }
        TorchRuntime.Seed(51);
        using var other = new MaMAModel(MaMAConfig.Tiny);
        Assert.IsFalse(sd["img_encoder_q.model.blocks.0.attn.qkv.weight"].equal(other.state_dict()["img_encoder_q.model.blocks.0.attn.qkv.weight"]).all().item<bool>(),
            "another seed gives other weights");
    }
}
