using MaMA.MLNet.Evaluation;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.Tests.Evaluation;

[TestClass]
public sealed class TrainerComparisonTests
{
    private sealed class Row
    {
        public string Label { get; set; } = "";
        public string Patient { get; set; } = "";
        [VectorType(4)] public float[] Features { get; set; } = [];
    }

    [TestMethod]
    public void EveryDefaultTrainerRunsAndSeparableClassesScoreWellAboveChance()
    {
        var ml = new MLContext(seed: 1);
        var random = new Random(2);
        // Three classes separated along the first two features; the other two are noise.
        var rows = Enumerable.Range(0, 180).Select(i =>
        {
            int c = i % 3;
            return new Row
            {
                Label = "abc"[c].ToString(),
                Patient = $"p{i / 2}",
                Features = [3 * c + (float)random.NextDouble(), -2 * c + (float)random.NextDouble(), (float)random.NextDouble(), (float)random.NextDouble()],
            };
        }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var seen = new List<string>();
        var results = TrainerComparison.Run(ml, data, folds: 3, samplingKeyColumnName: "Patient",
            progress: new SynchronousProgress(r => seen.Add(r.Trainer)));

        CollectionAssert.AreEquivalent(TrainerComparison.DefaultCandidates.Select(c => c.Name).ToArray(), seen);
        Assert.HasCount(TrainerComparison.DefaultCandidates.Count, results);
        foreach (var r in results)
        {
            Assert.HasCount(3, r.Folds);
            Assert.IsTrue(r.BalancedAccuracy > 0.8, $"{r.Trainer}: balanced accuracy {r.BalancedAccuracy}");
            Assert.IsTrue(r.MacroAuc > 0.9, $"{r.Trainer}: macro AUC {r.MacroAuc}");
            Assert.AreEqual(180, r.Folds.Sum(f => f.Count), "the folds together hold every row once");
        }
        for (int i = 1; i < results.Count; i++)
            Assert.IsTrue(results[i - 1].BalancedAccuracy >= results[i].BalancedAccuracy, "ranked by balanced accuracy");
    }

    [TestMethod]
    public void NoiseFeaturesScoreNearChance()
    {
        var ml = new MLContext(seed: 1);
        var random = new Random(4);
        var rows = Enumerable.Range(0, 200).Select(i => new Row
        {
            Label = (i % 2).ToString(),
            Patient = $"p{i}",
            Features = Enumerable.Range(0, 4).Select(_ => (float)random.NextDouble()).ToArray(),
        }).ToList();
        var results = TrainerComparison.Run(ml, ml.Data.LoadFromEnumerable(rows), folds: 4,
            candidates: [TrainerComparison.DefaultCandidates[0]]);
        Assert.IsTrue(Math.Abs(results[0].BalancedAccuracy - 0.5) < 0.15, $"balanced accuracy {results[0].BalancedAccuracy} on noise");
    }

    private sealed class SynchronousProgress(Action<TrainerComparisonResult> report) : IProgress<TrainerComparisonResult>
    {
        public void Report(TrainerComparisonResult value) => report(value);
    }
}
