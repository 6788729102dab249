using MaMA.MLNet.Modeling.Tests.TestSupport;
using MaMA.MLNet.Modeling.Vision;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.Vision;

[TestClass]
public sealed class PositionEmbeddingInterpolationTests
{
    // Independent reference of antialiased bicubic resampling (align_corners false), written from the definition
    // used by PIL and libtorch's _upsample_bicubic2d_aa: Keys cubic with a = -0.5, support 2 widened by the scale
    // when shrinking, source centre (i + 0.5) * scale, weights renormalised over the taps inside the image.
    private static double Cubic(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
        if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
        return 0;
    }

    private static double[,] Weights(int inSize, int outSize, double scale)
    {
        var w = new double[outSize, inSize];
        double support = scale >= 1 ? 2 * scale : 2;
        double invScale = scale >= 1 ? 1 / scale : 1;
        for (int i = 0; i < outSize; i++)
        {
            double center = scale * (i + 0.5);
            int xmin = Math.Max((int)(center - support + 0.5), 0);
            int xmax = Math.Min((int)(center + support + 0.5), inSize);
            double total = 0;
            for (int j = xmin; j < xmax; j++) total += w[i, j] = Cubic((j - center + 0.5) * invScale);
            for (int j = xmin; j < xmax; j++) w[i, j] /= total;
        }
        return w;
    }

    private static double[] Reference(double[] grid, int dim, int m, int outH, int outW, double scaleH, double scaleW)
    {
        // grid is [M, M, D] row-major (as position embeddings store patches); result [outH, outW, D].
        var wh = Weights(m, outH, scaleH);
        var ww = Weights(m, outW, scaleW);
        var result = new double[outH * outW * dim];
        for (int y = 0; y < outH; y++)
            for (int x = 0; x < outW; x++)
                for (int d = 0; d < dim; d++)
                {
                    double v = 0;
                    for (int sy = 0; sy < m; sy++)
                    {
                        if (wh[y, sy] == 0) continue;
                        for (int sx = 0; sx < m; sx++) v += wh[y, sy] * ww[x, sx] * grid[(sy * m + sx) * dim + d];
                    }
                    result[(y * outW + x) * dim + d] = v;
                }
        return result;
    }

    private static void CheckAgainstReference(int m, int outH, int outW, double offset)
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        int dim = 3;
        var pos = randn(1, 1 + m * m, dim);
        var resized = PositionEmbeddingInterpolation.Interpolate(pos, outH, outW, antialias: true, offset: offset);
        CollectionAssert.AreEqual(new long[] { 1, 1 + outH * outW, dim }, resized.shape);

        double[] all = Numerics.ToDoubles(pos);
        double[] grid = all[dim..];
        double scaleH = offset > 0 ? m / (outH + offset) : (double)m / outH;
        double scaleW = offset > 0 ? m / (outW + offset) : (double)m / outW;
        double[] expected = Reference(grid, dim, m, outH, outW, scaleH, scaleW);
        double[] actual = Numerics.ToDoubles(resized);
        for (int d = 0; d < dim; d++) Assert.AreEqual(all[d], actual[d], 0, "the CLS entry is kept as is");
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[dim + i], 1e-5, $"patch entry {i}");
    }

    [TestMethod]
    public void UpsamplingMatchesTheAntialiasedBicubicReference() => CheckAgainstReference(4, 6, 6, 0);

    [TestMethod]
    public void DownsamplingMatchesTheAntialiasedBicubicReference() => CheckAgainstReference(6, 4, 4, 0);

    [TestMethod]
    public void NonSquareGridsMatchTheReference() => CheckAgainstReference(4, 3, 7, 0);

    [TestMethod]
    public void TheOffsetVariantUsesTheScaleFactor() => CheckAgainstReference(4, 6, 5, 0.1);

    [TestMethod]
    public void TheAntialiasedKernelDiffersFromPlainBicubicWhenUpsampling()
    {
        // Guards against antialias being silently ignored: plain bicubic uses a = -0.75.
        using var scope = NewDisposeScope();
        manual_seed(12);
        var pos = randn(1, 17, 2);
        var aa = PositionEmbeddingInterpolation.Interpolate(pos, 6, 6, antialias: true);
        var plain = PositionEmbeddingInterpolation.Interpolate(pos, 6, 6, antialias: false);
        Assert.IsGreaterThan(1e-3, Numerics.MaxAbsDiff(aa, plain));
    }

    [TestMethod]
    public void SameGridIsReturnedUnchanged()
    {
        using var scope = NewDisposeScope();
        var pos = randn(1, 17, 2);
        Assert.AreEqual(0.0, Numerics.MaxAbsDiff(pos, PositionEmbeddingInterpolation.Interpolate(pos, 4, 4)));
    }

    [TestMethod]
    public void NonSquareSourceIsRejected()
    {
        using var scope = NewDisposeScope();
        Assert.ThrowsExactly<ArgumentException>(() => PositionEmbeddingInterpolation.Interpolate(zeros(1, 1 + 12, 2), 3, 3));
    }
}
