using MaMA.MLNet.Components;

namespace MaMA.MLNet.Tests.Components;

[TestClass]
public sealed class FineTuneSamplerTests
{
    // 90 / 9 / 1 rows: a strongly imbalanced set.
    private static readonly int[] Labels = [.. Enumerable.Repeat(0, 90), .. Enumerable.Repeat(1, 9), 2];

    private static double ChiSquare(int[] observed, double[] expectedShare)
    {
        double total = observed.Sum(), sum = 0;
        for (int i = 0; i < observed.Length; i++)
        {
            double expected = total * expectedShare[i];
            sum += (observed[i] - expected) * (observed[i] - expected) / expected;
        }
        return sum;
    }

    private static int[] ClassCounts(FineTuneBalancedSampler sampler, int batches, int size)
    {
        var counts = new int[3];
        for (int b = 0; b < batches; b++)
            foreach (int row in sampler.NextBatch(size)) counts[Labels[row]]++;
        return counts;
    }

    [TestMethod]
    public void BalancedSamplerDrawsEveryClassEquallyOftenOnAnImbalancedSet()
    {
        var counts = ClassCounts(new FineTuneBalancedSampler(Labels, classBalanced: true, seed: 3), batches: 1000, size: 30);
        // Chi-square with 2 degrees of freedom: 13.8 is the 0.1% critical value.
        Assert.IsLessThan(13.8, ChiSquare(counts, [1 / 3.0, 1 / 3.0, 1 / 3.0]), string.Join(",", counts));
    }

    [TestMethod]
    public void BalancedSamplerDrawsRowsUniformlyWithinAClass()
    {
        var sampler = new FineTuneBalancedSampler(Labels, classBalanced: true, seed: 4);
        var perRow = new int[90];
        for (int b = 0; b < 1000; b++)
            foreach (int row in sampler.NextBatch(30)) if (row < 90) perRow[row]++;
        double share = 1.0 / 90, total = perRow.Sum(), chi = perRow.Sum(c => (c - total * share) * (c - total * share) / (total * share));
        // 89 degrees of freedom: 135.0 is the 0.1% critical value.
        Assert.IsLessThan(135.0, chi);
    }

    [TestMethod]
    public void UnbalancedSamplerFollowsTheClassFrequencies()
    {
        var counts = ClassCounts(new FineTuneBalancedSampler(Labels, classBalanced: false, seed: 5), batches: 1000, size: 30);
        Assert.IsLessThan(13.8, ChiSquare(counts, [0.90, 0.09, 0.01]), string.Join(",", counts));
        // And it is far from balanced, so the balanced test above can fail.
        Assert.IsGreaterThan(13.8 * 100, ChiSquare(counts, [1 / 3.0, 1 / 3.0, 1 / 3.0]));
    }

    [TestMethod]
    public void TheSameSeedDrawsTheSameBatches()
    {
        var a = new FineTuneBalancedSampler(Labels, true, 9);
        var b = new FineTuneBalancedSampler(Labels, true, 9);
        var c = new FineTuneBalancedSampler(Labels, true, 10);
        var first = a.NextBatch(50);
        CollectionAssert.AreEqual(first, b.NextBatch(50));
        CollectionAssert.AreNotEqual(first, c.NextBatch(50));
    }

    [TestMethod]
    public void EmptyOrNegativeLabelsAreRefused()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new FineTuneBalancedSampler([], true, 0));
        Assert.ThrowsExactly<ArgumentException>(() => new FineTuneBalancedSampler([0, -1], true, 0));
    }
}
