using MaMA.MLNet.Evaluation;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.Tests.Evaluation;

[TestClass]
public sealed class ClassificationEvaluatorTests
{
    private sealed class Point
    {
        public string Label { get; set; } = "";
        [VectorType(2)] public float[] Features { get; set; } = [];
    }

    /// <summary>Three noisy Gaussian blobs, scored by an ML.NET trainer: the evaluator must agree with ML.NET's own.</summary>
    private static IDataView ScoredByMlNet(MLContext ml, int classes)
    {
        var random = new Random(3);
        var points = Enumerable.Range(0, 300).Select(i =>
        {
            int c = i % classes;
            return new Point { Label = $"class{c}", Features = [c + 1.5f * (float)Gaussian(random), 0.5f * c + 1.5f * (float)Gaussian(random)] };
        }).ToList();
        var data = ml.Data.LoadFromEnumerable(points);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy());
        return pipeline.Fit(data).Transform(data);
    }

    private static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    [TestMethod]
    public void BalancedAccuracyAndConfusionMatrixAgreeWithMlNetsEvaluator()
    {
        var ml = new MLContext(seed: 1);
        var scored = ScoredByMlNet(ml, 3);
        var ours = ClassificationEvaluator.Evaluate(scored);
        var theirs = ml.MulticlassClassification.Evaluate(scored);

        Assert.AreEqual(theirs.MacroAccuracy, ours.BalancedAccuracy, 1e-9);
        Assert.AreEqual(theirs.MicroAccuracy, ours.Accuracy, 1e-9);
        for (int a = 0; a < 3; a++)
            for (int p = 0; p < 3; p++)
                Assert.AreEqual(theirs.ConfusionMatrix.Counts[a][p], ours.ConfusionMatrix[a][p], $"[{a}][{p}]");
        CollectionAssert.AreEqual(new[] { "class0", "class1", "class2" }, ours.ClassNames.ToArray());
        Assert.IsTrue(ours.MacroAuc > 0.5 && ours.MacroAuc <= 1, $"macro AUC {ours.MacroAuc}");
    }

    [TestMethod]
    public void TwoClassAucAgreesWithMlNetsBinaryEvaluator()
    {
        var ml = new MLContext(seed: 1);
        var random = new Random(9);
        var rows = Enumerable.Range(0, 400).Select(_ =>
        {
            bool label = random.NextDouble() < 0.3;
            float score = (float)((label ? 0.8 : 0) + Gaussian(random));
            return new BinaryRow { Label = label, Score = score, Probability = 1 / (1 + MathF.Exp(-score)), PredictedLabel = score > 0 };
        }).ToList();
        var theirs = ml.BinaryClassification.Evaluate(ml.Data.LoadFromEnumerable(rows));
        var ours = ClassificationReport.Compute(
            rows.Select(r => r.Label ? 1 : 0).ToList(),
            rows.Select(r => new[] { -r.Score, r.Score }).ToList(),
            ["negative", "positive"]);
        Assert.AreEqual(theirs.AreaUnderRocCurve, ours.MacroAuc, 1e-6);
    }

    private sealed class BinaryRow
    {
        public bool Label { get; set; }
        public float Score { get; set; }
        public float Probability { get; set; }
        public bool PredictedLabel { get; set; }
    }

    [TestMethod]
    public void HandComputedReport()
    {
        // Labels 0,0,1,1,2; predictions 0,1,1,1,0 -> recall 1/2, 1, 0 -> balanced accuracy 1/2.
        int[] labels = [0, 0, 1, 1, 2];
        float[][] scores = [[0.9f, 0.1f, 0], [0.2f, 0.7f, 0.1f], [0.1f, 0.8f, 0.1f], [0, 0.6f, 0.4f], [0.5f, 0.2f, 0.3f]];
        var report = ClassificationReport.Compute(labels, scores, ["a", "b", "c"]);
        Assert.AreEqual(0.5, report.BalancedAccuracy, 1e-12);
        Assert.AreEqual(0.6, report.Accuracy, 1e-12);
        CollectionAssert.AreEqual(new[] { 1, 0, 0 }, report.ConfusionMatrix[2]);
        // Class c one-vs-rest: scores of c = [0, .1, .1, .4, .3], positive only the last (0.3): beats 0, .1, .1, loses to .4 -> 3/4.
        Assert.AreEqual(0.75, report.OneVsRestAuc[2], 1e-12);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ClassificationReport.Compute([3], [[0, 0, 1f]], ["a", "b", "c"]));
    }
}
