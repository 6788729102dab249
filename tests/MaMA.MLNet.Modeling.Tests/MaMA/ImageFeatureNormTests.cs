using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Tests.TestSupport;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.MaMA;

/// <summary>
/// <see cref="MaMAConfig.GlobalImageFeatureNorm"/>: why a from-scratch model needs it (a fresh ViT's embeddings are
/// collapsed), how it is recalibrated, and that its eval-mode fold into the projection is exact.
/// </summary>
[TestClass]
public sealed class ImageFeatureNormTests
{
    private static MaMAConfig Config(bool norm) => MaMATestModels.Small with { GlobalImageFeatureNorm = norm };

    // Smooth, brightness-varying images as the phantom gives: the case where mean pooling collapses.
    private static Tensor SmoothImages(int n, long seed)
    {
        var g = new TorchSharp.torch.Generator((ulong)seed);
        var brightness = rand(new long[] { n, 1, 1, 1 }, generator: g) * 0.6 + 0.2; // all brighter than mid-grey, as a cropped breast
        var ramp = linspace(-0.2, 0.2, 56).reshape(1, 1, 1, 56);
        return (brightness + ramp).expand(n, 3, 56, 56).contiguous();
    }

    private static double MeanOffDiagonalCosine(Tensor embeddings)
    {
        var e = nn.functional.normalize(embeddings, p: 2, dim: -1);
        var gram = e.matmul(e.t());
        long n = e.shape[0];
        return (gram.sum().item<float>() - gram.diagonal().sum().item<float>()) / (n * (n - 1));
    }

    [TestMethod]
    public void AFreshEncoderIsCollapsedWithoutTheNormAndSpreadWithIt()
    {
        using var scope = NewDisposeScope();
        var images = SmoothImages(16, seed: 5);
        double Cosine(bool norm)
        {
            using var model = MaMATestModels.Build(Config(norm), seed: 11);
            model.train(); // as in the first training steps: batch statistics
            using var noGrad = no_grad();
            return MeanOffDiagonalCosine(model.ImageEmbedding(model.ImageEncoder.Backbone.forward(images).PooledFeature));
        }
        double without = Cosine(false), with = Cosine(true);
        Assert.IsLessThan(0.5, with, $"with the norm the embeddings should spread: cosine {with} (without {without})");
        Assert.IsGreaterThan(0.9, without, $"without the norm the embeddings should be nearly parallel: cosine {without} (with {with})");
    }

    [TestMethod]
    public void RecalibrationSetsTheExactStatisticsOfThePooledFeatures()
    {
        using var scope = NewDisposeScope();
        using var model = MaMATestModels.Build(Config(true), seed: 12);
        var a = SmoothImages(5, seed: 1);
        var b = SmoothImages(3, seed: 2);
        model.train();
        model.RecalibrateImageFeatureNorm([a, b]);
        Assert.IsTrue(model.training, "the mode is restored");

        model.eval();
        Tensor pooled;
        using (no_grad()) pooled = cat([model.ImageEncoder.Backbone.forward(a).PooledFeature, model.ImageEncoder.Backbone.forward(b).PooledFeature], 0);
        var norm = model.ImageEncoder.GlobalNorm!;
        Numerics.AssertClose(pooled.mean([0]), norm.RunningMean, 1e-6, "running mean");
        Numerics.AssertClose(pooled.var(0, unbiased: true), norm.RunningVariance, 1e-6, "running variance");
    }

    [TestMethod]
    public void WithoutTheNormRecalibrationChangesNothing()
    {
        using var scope = NewDisposeScope();
        using var model = MaMATestModels.Build(Config(false), seed: 13);
        model.RecalibrateImageFeatureNorm([SmoothImages(4, seed: 3)]);
        Assert.IsNull(model.ImageEncoder.GlobalNorm);
        Assert.IsFalse(model.state_dict().Keys.Any(k => k.Contains("global_norm", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void TheFoldedProjectionEqualsNormThenProjectionInEvalMode()
    {
        using var scope = NewDisposeScope();
        using var model = MaMATestModels.Build(Config(true), seed: 14);
        var norm = model.ImageEncoder.GlobalNorm!;
        using (no_grad())
        {
            norm.Weight.copy_(rand_like(norm.Weight) + 0.5);
            norm.Bias.copy_(randn_like(norm.Bias));
        }
        model.RecalibrateImageFeatureNorm([SmoothImages(8, seed: 4)]);
        model.eval();
        var pooled = randn(6, model.Config.Vision.Width, dtype: ScalarType.Float64);
        // Reference in float64 by hand: gamma (x - mean) / sqrt(var + eps) + beta, then W z + b.
        var z = (pooled - norm.RunningMean.to(ScalarType.Float64)) / (norm.RunningVariance.to(ScalarType.Float64) + norm.Eps).sqrt()
                * norm.Weight.to(ScalarType.Float64) + norm.Bias.to(ScalarType.Float64);
        var state = model.ImageEncoder.GlobalEmbed.state_dict();
        var expected = z.matmul(state["weight"].to(ScalarType.Float64).t()) + state["bias"].to(ScalarType.Float64);
        var (w, bias) = model.ImageEncoder.FoldedGlobalProjection();
        var folded = pooled.matmul(w.to(ScalarType.Float64).t()) + bias.to(ScalarType.Float64);
        Numerics.AssertClose(expected, folded, 1e-4, "folded projection");
        using (no_grad()) Numerics.AssertClose(expected, model.ImageEncoder.ProjectGlobal(pooled.to(ScalarType.Float32)), 1e-4, "module path");
    }
}
