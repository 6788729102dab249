using MaMA.MLNet.Evaluation;

namespace MaMA.MLNet.Tests.Evaluation;

[TestClass]
public sealed class RocAnalysisTests
{
    [TestMethod]
    public void AucCountsTiesAsOneHalf_HandComputed()
    {
        // Positives {0.9, 0.7, 0.3}, negatives {0.8, 0.3}: pairs won 1+1+0+1+0+0.5 = 3.5 of 6.
        bool[] positive = [true, false, true, false, true];
        float[] scores = [0.9f, 0.8f, 0.7f, 0.3f, 0.3f];
        Assert.AreEqual(3.5 / 6, RocAnalysis.Auc(positive, scores), 1e-12);
    }

    [TestMethod]
    public void AucEqualsTheBruteForcePairCount()
    {
        var random = new Random(5);
        for (int trial = 0; trial < 20; trial++)
        {
            int n = random.Next(2, 60);
            var positive = Enumerable.Range(0, n).Select(_ => random.NextDouble() < 0.4).ToArray();
            var scores = Enumerable.Range(0, n).Select(_ => (float)Math.Round(random.NextDouble(), 1)).ToArray(); // many ties
            double wins = 0; long pairs = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    if (positive[i] && !positive[j])
                    {
                        pairs++;
                        wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
                    }
            double expected = pairs == 0 ? double.NaN : wins / pairs;
            Assert.AreEqual(expected, RocAnalysis.Auc(positive, scores), 1e-12, $"trial {trial}");
        }
    }

    [TestMethod]
    public void CurveRunsFromOriginToOneOneAndSpecificityAtSensitivityPicksTheBestThreshold()
    {
        // Sorted descending: 0.9 P, 0.8 N, 0.7 P, 0.6 N, 0.5 P, 0.1 N
        bool[] positive = [true, false, true, false, true, false];
        float[] scores = [0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.1f];
        var curve = RocAnalysis.Curve(positive, scores);
        Assert.AreEqual((0.0, 0.0), (curve[0].FalsePositiveRate, curve[0].TruePositiveRate));
        Assert.AreEqual((1.0, 1.0), (curve[^1].FalsePositiveRate, curve[^1].TruePositiveRate));
        // Sensitivity >= 2/3 first reached at threshold 0.7 with one false positive of three: specificity 2/3.
        Assert.AreEqual(2.0 / 3, RocAnalysis.SpecificityAtSensitivity(positive, scores, 0.6), 1e-12);
        // Sensitivity 1 needs threshold 0.5: two false positives: specificity 1/3.
        Assert.AreEqual(1.0 / 3, RocAnalysis.SpecificityAtSensitivity(positive, scores, 1.0), 1e-12);
    }

    [TestMethod]
    public void BadInputIsRejected()
    {
        Assert.ThrowsExactly<ArgumentException>(() => RocAnalysis.Auc([true], [0.1f, 0.2f]));
        Assert.ThrowsExactly<ArgumentException>(() => RocAnalysis.Auc([true, false], [float.NaN, 0.2f]));
        Assert.IsTrue(double.IsNaN(RocAnalysis.Auc([true, true], [0.1f, 0.2f])), "one class only: undefined");
    }
}
