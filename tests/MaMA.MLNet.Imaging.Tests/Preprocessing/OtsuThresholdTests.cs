using MaMA.MLNet.Imaging.Pixels;
using MaMA.MLNet.Imaging.Preprocessing;

namespace MaMA.MLNet.Imaging.Tests.Preprocessing;

[TestClass]
public sealed class OtsuThresholdTests
{
    [TestMethod]
    public void ThreeSpikeHistogram_MatchesTheHandComputedThreshold()
    {
        // 2 px at 0, 2 at 100, 4 at 200; mean 125.
        // t in [0, 99]:   q0 = 1/4, mu0 = 0,  mu1 = 1000/6 -> q0 q1 (mu0 - mu1)^2 = 3/16 * 27777.8 = 5208.3
        // t in [100,199]: q0 = 1/2, mu0 = 50, mu1 = 200    -> 1/4 * 150^2 = 5625 (the maximum; first t is 100)
        var histogram = new long[256];
        histogram[0] = 2; histogram[100] = 2; histogram[200] = 4;
        Assert.AreEqual(100, OtsuThreshold.FromHistogram(histogram));
    }

    [TestMethod]
    public void RandomBimodalHistogram_MatchesBruteForceBetweenClassVariance()
    {
        var rng = new Random(3);
        var histogram = new long[256];
        for (int i = 0; i < 2000; i++) histogram[Math.Clamp((int)(40 + 15 * Gaussian(rng)), 0, 255)]++;
        for (int i = 0; i < 1000; i++) histogram[Math.Clamp((int)(170 + 25 * Gaussian(rng)), 0, 255)]++;

        int best = -1; double bestVariance = -1;
        for (int t = 0; t < 255; t++)
        {
            double n0 = 0, s0 = 0, n1 = 0, s1 = 0;
            for (int i = 0; i < 256; i++)
                if (i <= t) { n0 += histogram[i]; s0 += i * histogram[i]; } else { n1 += histogram[i]; s1 += i * histogram[i]; }
            if (n0 == 0 || n1 == 0) continue;
            double n = n0 + n1, d = s0 / n0 - s1 / n1;
            double variance = n0 / n * (n1 / n) * d * d;
            if (variance > bestVariance + 1e-9) { bestVariance = variance; best = t; }
        }
        Assert.AreEqual(best, OtsuThreshold.FromHistogram(histogram));
        Assert.IsTrue(best is > 60 and < 150, $"threshold {best} should separate the modes");
    }

    [TestMethod]
    public void ImageHistogram_BinsByRoundingTo8Bits()
    {
        // 0.5 * 255 = 127.5 rounds up to 128; 2/255 + 0.001 is 2.26 of 255 and rounds to 2.
        var image = new FloatImage(4, 1, [0f, 1f, 0.5f, 2f / 255 + 0.001f]);
        long[] histogram = OtsuThreshold.Histogram(image);
        Assert.AreEqual(1, histogram[0]);
        Assert.AreEqual(1, histogram[2]);
        Assert.AreEqual(1, histogram[128]);
        Assert.AreEqual(1, histogram[255]);
        Assert.AreEqual(4, histogram.Sum());
    }

    [TestMethod]
    public void ConstantImage_GivesThresholdZero() =>
        Assert.AreEqual(0, OtsuThreshold.Compute(new FloatImage(3, 3, Enumerable.Repeat(0.4f, 9).ToArray())));

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
