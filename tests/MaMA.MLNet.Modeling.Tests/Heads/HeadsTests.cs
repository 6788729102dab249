using MaMA.MLNet.Modeling.Heads;
using MaMA.MLNet.Modeling.Tests.TestSupport;
using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.Heads;

[TestClass]
public sealed class HeadsTests
{
    [TestMethod]
    public void GlobalProjectionIsAffine()
    {
        using var scope = NewDisposeScope();
        manual_seed(31);
        using var head = new GlobalProjection(6, 4);
        var p = head.state_dict();
        CollectionAssert.AreEquivalent(new[] { "weight", "bias" }, p.Keys.ToList());
        var x = randn(3, 6);
        Numerics.AssertClose(x.matmul(p["weight"].t()) + p["bias"], head.forward(x), 1e-6, "linear");
    }

    [TestMethod]
    public void LocalHeadActsPerTokenWithReferenceNames()
    {
        using var scope = NewDisposeScope();
        manual_seed(32);
        using var head = new LocalProjectionHead(6, 10, 4);
        CollectionAssert.AreEquivalent(
            new[] { "head.0.weight", "head.0.bias", "head.1.weight", "head.1.bias", "head.1.running_mean", "head.1.running_var",
                    "head.1.num_batches_tracked", "head.3.weight", "head.3.bias", "head.4.running_mean", "head.4.running_var", "head.4.num_batches_tracked" },
            head.state_dict().Keys.ToList());
        var s = head.state_dict();
        using (no_grad())
        {
            s["head.1.running_mean"].normal_();
            s["head.1.running_var"].uniform_(0.5, 2);
            s["head.1.weight"].normal_();
            s["head.4.running_mean"].normal_();
            s["head.4.running_var"].uniform_(0.5, 2);
        }
        head.eval();
        var tokens = randn(2, 5, 6);
        // Evaluation-mode formula, token by token: conv1d with k = 1 is a linear map on the channels.
        var h = tokens.matmul(s["head.0.weight"].squeeze(-1).t()) + s["head.0.bias"];
        h = (h - s["head.1.running_mean"]) / (s["head.1.running_var"] + 1e-5).sqrt() * s["head.1.weight"] + s["head.1.bias"];
        h = h.relu().matmul(s["head.3.weight"].squeeze(-1).t()) + s["head.3.bias"];
        var expected = (h - s["head.4.running_mean"]) / (s["head.4.running_var"] + 1e-5).sqrt();
        var actual = head.forward(tokens);
        CollectionAssert.AreEqual(new long[] { 2, 5, 4 }, actual.shape);
        Numerics.AssertClose(expected, actual, 1e-5, "local head");
    }

    [TestMethod]
    public void SimClrHeadHasLightlyNamesAndBias()
    {
        using var plain = new SimClrProjectionHead(8, 8, 5);
        CollectionAssert.AreEquivalent(
            new[] { "layers.0.weight", "layers.1.weight", "layers.1.bias", "layers.1.running_mean", "layers.1.running_var",
                    "layers.1.num_batches_tracked", "layers.3.weight", "layers.3.bias" },
            plain.state_dict().Keys.ToList());
        using var withNorm = new SimClrProjectionHead(8, 8, 5, outputBatchNorm: true);
        Assert.IsFalse(withNorm.state_dict().ContainsKey("layers.3.bias"));
        Assert.IsTrue(withNorm.state_dict().ContainsKey("layers.4.running_mean"));
        using var scope = NewDisposeScope();
        CollectionAssert.AreEqual(new long[] { 4, 5 }, plain.forward(randn(4, 8)).shape);
    }

    [TestMethod]
    public void ScalesStartAtLogOneOverPointZeroSevenAndFollowDtype()
    {
        using var scales = new ContrastiveScales();
        Assert.AreEqual(Math.Log(1 / 0.07), scales.LogitScale.item<float>(), 1e-6);
        Assert.AreEqual(Math.Log(1 / 0.07), scales.LocalScale.item<float>(), 1e-6);
        CollectionAssert.AreEquivalent(new[] { "logit_scale", "local_scale" }, scales.state_dict().Keys.ToList());
        scales.to(ScalarType.Float64);
        Assert.AreEqual(ScalarType.Float64, scales.LogitScale.dtype);
        Assert.AreEqual(Math.Log(1 / 0.07), scales.LocalScale.item<double>(), 1e-6);
    }
}
