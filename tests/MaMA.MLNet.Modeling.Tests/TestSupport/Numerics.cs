using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.TestSupport;

/// <summary>Small helpers shared by the numerical tests.</summary>
internal static class Numerics
{
    public static double[] ToDoubles(Tensor t) => t.detach().to(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();

    public static void AssertClose(Tensor expected, Tensor actual, double tolerance, string what)
    {
        CollectionAssert.AreEqual(expected.shape, actual.shape, $"{what}: shape");
        double[] e = ToDoubles(expected), a = ToDoubles(actual);
        for (int i = 0; i < e.Length; i++)
            Assert.AreEqual(e[i], a[i], tolerance, $"{what}: element {i}");
    }

    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        double[] x = ToDoubles(a), y = ToDoubles(b);
        double m = 0;
        for (int i = 0; i < x.Length; i++) m = Math.Max(m, Math.Abs(x[i] - y[i]));
        return m;
    }

    /// <summary>
    /// Checks autograd's gradient of <paramref name="loss"/> with respect to float64 leaf <paramref name="input"/>
    /// against central finite differences at every element.
    /// </summary>
    public static void CheckGradient(Tensor input, Func<Tensor, Tensor> loss, double step = 1e-6, double tolerance = 1e-6)
    {
        Assert.AreEqual(ScalarType.Float64, input.dtype);
        var leaf = input.detach().clone().requires_grad_(true);
        loss(leaf).backward();
        double[] analytic = ToDoubles(leaf.grad!);
        double[] values = ToDoubles(input);
        for (int i = 0; i < values.Length; i++)
        {
            double[] plus = (double[])values.Clone(), minus = (double[])values.Clone();
            plus[i] += step;
            minus[i] -= step;
            double fPlus, fMinus;
            using (no_grad())
            {
                fPlus = loss(tensor(plus).reshape(input.shape)).item<double>();
                fMinus = loss(tensor(minus).reshape(input.shape)).item<double>();
            }
            double numeric = (fPlus - fMinus) / (2 * step);
            Assert.AreEqual(numeric, analytic[i], tolerance + 1e-6 * Math.Abs(numeric), $"gradient element {i}");
        }
    }

    /// <summary>Mean cross-entropy over rows of a logit matrix with diagonal targets, in doubles.</summary>
    public static double DiagonalCrossEntropy(double[,] logits, bool transpose)
    {
        int n = logits.GetLength(0);
        double total = 0;
        for (int r = 0; r < n; r++)
        {
            double max = double.NegativeInfinity;
            for (int c = 0; c < n; c++) max = Math.Max(max, transpose ? logits[c, r] : logits[r, c]);
            double sum = 0;
            for (int c = 0; c < n; c++) sum += Math.Exp((transpose ? logits[c, r] : logits[r, c]) - max);
            total += -(logits[r, r] - max - Math.Log(sum));
        }
        return total / n;
    }
}
