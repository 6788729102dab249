using MaMA.MLNet.Modeling.Losses;
using MaMA.MLNet.Modeling.Tests.TestSupport;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.Losses;

[TestClass]
public sealed class NtXentLossTests
{
    private static double HandComputed(double[] z1, double[] z2, int n, int c, double temperature)
    {
        var z = new double[2 * n][];
        for (int i = 0; i < 2 * n; i++)
        {
            var src = i < n ? z1 : z2;
            int row = i % n;
            var v = new double[c];
            double norm = 0;
            for (int k = 0; k < c; k++) { v[k] = src[row * c + k]; norm += v[k] * v[k]; }
            for (int k = 0; k < c; k++) v[k] /= Math.Sqrt(norm);
            z[i] = v;
        }
        double total = 0;
        for (int a = 0; a < 2 * n; a++)
        {
            int positive = a < n ? a + n : a - n;
            double denominator = 0, positiveTerm = 0;
            for (int b = 0; b < 2 * n; b++)
            {
                if (b == a) continue;
                double dot = 0;
                for (int k = 0; k < c; k++) dot += z[a][k] * z[b][k];
                denominator += Math.Exp(dot / temperature);
                if (b == positive) positiveTerm = dot / temperature;
            }
            total += -(positiveTerm - Math.Log(denominator));
        }
        return total / (2 * n);
    }

    [TestMethod]
    public void LossEqualsTheHandComputedValue()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var z1 = randn(4, 3, dtype: ScalarType.Float64);
        var z2 = randn(4, 3, dtype: ScalarType.Float64);
        double expected = HandComputed(Numerics.ToDoubles(z1), Numerics.ToDoubles(z2), 4, 3, 0.5);
        Assert.AreEqual(expected, new NtXentLoss(0.5).forward(z1, z2).item<double>(), 1e-12);
    }

    [TestMethod]
    public void IdenticalOrthogonalPairsGiveTheClosedForm()
    {
        using var scope = NewDisposeScope();
        // z1 = z2 = the N unit vectors: the positive has similarity 1, the other 2N-2 have 0.
        // l = -log(e^{1/T} / (e^{1/T} + 2N - 2)).
        int n = 3;
        double temperature = 0.5;
        var z = eye(n, dtype: ScalarType.Float64);
        double expected = -Math.Log(Math.Exp(1 / temperature) / (Math.Exp(1 / temperature) + 2 * n - 2));
        Assert.AreEqual(expected, new NtXentLoss(temperature).forward(z, z.clone()).item<double>(), 1e-12);
    }

    [TestMethod]
    public void GradientMatchesFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var z1 = randn(3, 4, dtype: ScalarType.Float64);
        var z2 = randn(3, 4, dtype: ScalarType.Float64);
        var loss = new NtXentLoss(0.5);
        Numerics.CheckGradient(z1, x => loss.forward(x, z2));
        Numerics.CheckGradient(z2, x => loss.forward(z1, x));
    }

    [TestMethod]
    public void BadInputIsRejected()
    {
        using var scope = NewDisposeScope();
        Assert.ThrowsExactly<ArgumentException>(() => new NtXentLoss().forward(zeros(1, 4), zeros(1, 4)));
        Assert.ThrowsExactly<ArgumentException>(() => new NtXentLoss().forward(zeros(2, 4), zeros(3, 4)));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new NtXentLoss(0));
    }
}
