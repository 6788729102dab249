using MaMA.MLNet.Cli.Reports;

namespace MaMA.MLNet.Cli.Tests.Reports;

[TestClass]
public sealed class EvaluationPlotsTests
{
    // Three classes, four images; scores[row][class].
    private static readonly int[] Labels = [0, 0, 1, 2];
    private static readonly float[][] Scores = [[0.9f, 0.05f, 0.05f], [0.4f, 0.3f, 0.3f], [0.6f, 0.3f, 0.1f], [0.1f, 0.2f, 0.7f]];

    [TestMethod]
    public void OneVsRestCurvesMatchTheHandComputedOnes()
    {
        var curves = EvaluationPlots.RocCurves(Labels, Scores, ["A", "B", "C"]);
        Assert.HasCount(3, curves);
        // Class A: scores 0.9 (A), 0.6 (not), 0.4 (A), 0.1 (not), thresholds from the top; 2 positives, 2 negatives.
        CollectionAssert.AreEqual(new[] { 0, 0, 0.5, 0.5, 1 }, curves[0].FalsePositiveRate.ToArray());
        CollectionAssert.AreEqual(new[] { 0, 0.5, 0.5, 1, 1 }, curves[0].TruePositiveRate.ToArray());
        // Positive above negative in 3 of the 4 pairs.
        Assert.AreEqual(0.75, curves[0].Auc, 1e-12);
        // Class B: its one image scores 0.3, tied with a negative (row 1); the other negatives score 0.2 and 0.05.
        // The tie is one step to (1/3, 1); the AUC counts it one half: (1 + 0.5 + 1) / 3.
        CollectionAssert.AreEqual(new[] { 0, 1.0 / 3, 2.0 / 3, 1 }, curves[1].FalsePositiveRate.ToArray());
        CollectionAssert.AreEqual(new[] { 0, 1.0, 1, 1 }, curves[1].TruePositiveRate.ToArray());
        Assert.AreEqual(2.5 / 3, curves[1].Auc, 1e-12);
        Assert.AreEqual("C", curves[2].Label);
        Assert.AreEqual(1.0, curves[2].Auc, 1e-12);
    }

    [TestMethod]
    public void ABinaryTaskHasOneCurveForThePositiveClassAndAnAbsentClassHasNone()
    {
        var binary = EvaluationPlots.RocCurves([0, 1, 1], [[0.8f, 0.2f], [0.3f, 0.7f], [0.6f, 0.4f]], ["no cancer", "cancer"]);
        Assert.AreEqual("cancer", binary.Single().Label);
        // 0.7 (pos), 0.4 (pos), 0.2 (neg).
        CollectionAssert.AreEqual(new[] { 0, 0, 0, 1.0 }, binary[0].FalsePositiveRate.ToArray());
        CollectionAssert.AreEqual(new[] { 0, 0.5, 1, 1 }, binary[0].TruePositiveRate.ToArray());
        var absent = EvaluationPlots.RocCurves([0, 1], [[0.5f, 0.3f, 0.2f], [0.2f, 0.5f, 0.3f]], ["A", "B", "C"]);
        CollectionAssert.AreEqual(new[] { "A", "B" }, absent.Select(c => c.Label).ToArray());
    }

    [TestMethod]
    public void TheTrainingLogIsFoundInTheModelFolderOrItsParent()
    {
        var root = Directory.CreateTempSubdirectory("mama-log-").FullName;
        try
        {
            string model = Directory.CreateDirectory(Path.Combine(root, "run", "model")).FullName;
            Assert.IsNull(EvaluationPlots.FindTrainingLog(model));
            string parentLog = Path.Combine(root, "run", "training-log.jsonl");
            File.WriteAllText(parentLog, "");
            Assert.AreEqual(parentLog, EvaluationPlots.FindTrainingLog(model + Path.DirectorySeparatorChar));
            string ownLog = Path.Combine(model, "training-log.jsonl");
            File.WriteAllText(ownLog, "");
            Assert.AreEqual(ownLog, EvaluationPlots.FindTrainingLog(model));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
