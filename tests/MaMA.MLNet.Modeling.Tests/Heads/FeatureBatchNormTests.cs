using MaMA.MLNet.Modeling.Heads;
using MaMA.MLNet.Modeling.Tests.TestSupport;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.Heads;

/// <summary><see cref="FeatureBatchNorm"/> against batch normalisation written out in float64 by hand.</summary>
[TestClass]
public sealed class FeatureBatchNormTests
{
    private static double[,] Random2D(int rows, int cols, int seed, double scale, double offset)
    {
        var rng = new Random(seed);
        var x = new double[rows, cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) x[i, j] = offset + scale * (rng.NextDouble() * 2 - 1) * (j + 1);
        return x;
    }

    private static Tensor ToTensor(double[,] x) => tensor(x.Cast<double>().Select(v => (float)v).ToArray(), [x.GetLength(0), x.GetLength(1)]);

    private static (double[] Mean, double[] BiasedVar, double[] UnbiasedVar) Moments(double[,] x)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        var mean = new double[d]; var biased = new double[d]; var unbiased = new double[d];
        for (int j = 0; j < d; j++)
        {
            for (int i = 0; i < n; i++) mean[j] += x[i, j] / n;
            double ss = 0;
            for (int i = 0; i < n; i++) ss += (x[i, j] - mean[j]) * (x[i, j] - mean[j]);
            biased[j] = ss / n; unbiased[j] = ss / (n - 1);
        }
        return (mean, biased, unbiased);
    }

    [TestMethod]
    public void TrainingModeNormalisesWithTheBatchAndUpdatesTheRunningStatistics()
    {
        using var scope = NewDisposeScope();
        var x = Random2D(6, 4, seed: 3, scale: 0.01, offset: 5); // a large shared offset, tiny spread: the collapse case
        using var norm = new FeatureBatchNorm(4);
        using (no_grad()) { norm.Weight.copy_(tensor(new float[] { 1, 2, 0.5f, -1 })); norm.Bias.copy_(tensor(new float[] { 0, 1, -1, 0.25f })); }
        norm.train();
        var y = norm.forward(ToTensor(x));

        var (mean, biased, unbiased) = Moments(x);
        double[] g = [1, 2, 0.5, -1], b = [0, 1, -1, 0.25];
        var expected = new double[6 * 4];
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 4; j++) expected[i * 4 + j] = (x[i, j] - mean[j]) / Math.Sqrt(biased[j] + 1e-5) * g[j] + b[j];
        CollectionAssert.AreEqual(new long[] { 6, 4 }, y.shape);
        var actual = Numerics.ToDoubles(y);
        for (int k = 0; k < expected.Length; k++) Assert.AreEqual(expected[k], actual[k], 2e-3, $"output {k}");
        // The spread is amplified: every output column has unit-scale variation although the input's was ~0.01.
        Assert.IsGreaterThan(0.5, Math.Abs(actual[0] - actual[4]) + Math.Abs(actual[4] - actual[8]));

        var runningMean = Numerics.ToDoubles(norm.RunningMean);
        var runningVar = Numerics.ToDoubles(norm.RunningVariance);
        for (int j = 0; j < 4; j++)
        {
            Assert.AreEqual(0.1 * mean[j], runningMean[j], 1e-5, $"running mean {j}");
            Assert.AreEqual(0.9 + 0.1 * unbiased[j], runningVar[j], 1e-5, $"running variance {j}");
        }
    }

    [TestMethod]
    public void EvalModeUsesTheStatisticsSetFromAFeatureMatrix()
    {
        using var scope = NewDisposeScope();
        var calibration = Random2D(50, 3, seed: 7, scale: 0.2, offset: -2);
        var probe = Random2D(4, 3, seed: 8, scale: 0.3, offset: -1.5);
        using var norm = new FeatureBatchNorm(3);
        norm.SetStatistics(ToTensor(calibration));
        norm.eval();
        var y = Numerics.ToDoubles(norm.forward(ToTensor(probe)));

        var (mean, _, unbiased) = Moments(calibration);
        CollectionAssert.AreEqual(mean.Select(v => Math.Round(v, 4)).ToArray(), Numerics.ToDoubles(norm.RunningMean).Select(v => Math.Round(v, 4)).ToArray());
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 3; j++)
                Assert.AreEqual((probe[i, j] - mean[j]) / Math.Sqrt(unbiased[j] + 1e-5), y[i * 3 + j], 2e-3, $"[{i},{j}]");
        // Eval mode works on a single image.
        Assert.AreEqual(3L, norm.forward(ToTensor(probe)[..1]).shape[1]);
    }

    [TestMethod]
    public void BadShapesAreRefused()
    {
        using var scope = NewDisposeScope();
        using var norm = new FeatureBatchNorm(3);
        norm.train();
        Assert.ThrowsExactly<ArgumentException>(() => norm.forward(zeros(1, 3)));
        Assert.ThrowsExactly<ArgumentException>(() => norm.forward(zeros(2, 3, 1)));
        Assert.ThrowsExactly<ArgumentException>(() => norm.SetStatistics(zeros(5, 4)));
    }
}
