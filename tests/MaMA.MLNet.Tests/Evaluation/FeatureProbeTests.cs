using MaMA.MLNet.Evaluation;
using Microsoft.ML;

namespace MaMA.MLNet.Tests.Evaluation;

[TestClass]
public sealed class FeatureProbeTests
{
    private static readonly string[] Classes = ["a", "b", "c"];

    // Rows whose class shifts feature `informative` (when given) by 3 standard deviations per class; other features noise.
    private static (List<float[]> Features, List<int> Labels, List<string> Groups) Rows(int count, int seed, int? informative, int[]? classCounts = null)
    {
        var rng = new Random(seed);
        var features = new List<float[]>();
        var labels = new List<int>();
        var groups = new List<string>();
        for (int i = 0; i < count; i++)
        {
            int label = classCounts is null ? i % 3 : (i < classCounts[0] ? 0 : i < classCounts[0] + classCounts[1] ? 1 : 2);
            var f = new float[6];
            for (int d = 0; d < f.Length; d++) f[d] = (float)(rng.NextDouble() * 2 - 1);
            if (informative is { } k) f[k] += 3 * label;
            features.Add(f);
            labels.Add(label);
            groups.Add($"patient{i / 4}");
        }
        return (features, labels, groups);
    }

    [TestMethod]
    public void InformativeFeaturesScoreHighAndNoiseScoresNearChance()
    {
        var ml = new MLContext(seed: 1);
        var (trainX, trainY, _) = Rows(150, 1, informative: 2);
        var (testX, testY, _) = Rows(150, 2, informative: 2);
        var good = FeatureProbe.Evaluate(ml, trainX, trainY, testX, testY, Classes);
        Assert.IsGreaterThan(0.95, good.BalancedAccuracy);
        var (noiseX, noiseY, _) = Rows(150, 3, informative: null);
        var (noiseTestX, noiseTestY, _) = Rows(300, 4, informative: null);
        var noise = FeatureProbe.Evaluate(ml, noiseX, noiseY, noiseTestX, noiseTestY, Classes);
        Assert.IsLessThan(0.5, noise.BalancedAccuracy, $"3 classes of noise: about 1/3, got {noise.BalancedAccuracy}");
        Assert.AreEqual(300, noise.Count);
    }

    [TestMethod]
    public void ClassBalancingKeepsARareClassFromBeingIgnored()
    {
        // Class c is 5 % of the training rows and overlaps b by one standard deviation: unweighted, it is rarely predicted.
        var ml = new MLContext(seed: 1);
        var (trainX, trainY, _) = Rows(200, 5, informative: 0, classCounts: [95, 95, 10]);
        var (testX, testY, _) = Rows(300, 6, informative: 0);
        var report = FeatureProbe.Evaluate(ml, trainX, trainY, testX, testY, Classes);
        Assert.IsGreaterThan(0.8, report.Recall[2], $"recall of the rare class {report.Recall[2]}");
    }

    [TestMethod]
    public void CrossValidationKeepsEachGroupInOneFoldAndUsesEveryRowOnce()
    {
        var ml = new MLContext(seed: 1);
        var (x, y, groups) = Rows(120, 7, informative: 1);
        var result = FeatureProbe.CrossValidate(ml, x, y, groups, Classes, folds: 5);
        Assert.HasCount(5, result.Folds);
        Assert.AreEqual(120, result.Folds.Sum(f => f.Count));
        Assert.IsTrue(result.Folds.All(f => f.Count % 4 == 0), "whole patients (4 rows each) per fold");
        Assert.IsGreaterThan(0.9, result.BalancedAccuracy.Mean);
        Assert.ThrowsExactly<ArgumentException>(() => FeatureProbe.CrossValidate(ml, x, y, [.. groups.Select(_ => "one")], Classes, folds: 5));
    }

    [TestMethod]
    public void FoldFeaturesAreBuiltFromTheirTrainingRowsOnly()
    {
        var ml = new MLContext(seed: 1);
        var (x, y, groups) = Rows(120, 7, informative: 1);
        int[] foldOf = FeatureProbe.AssignFolds(groups, 5);
        var calls = new List<(int Fold, IReadOnlyList<int> Train)>();
        var perFold = FeatureProbe.CrossValidate(ml, (fold, train) => { calls.Add((fold, train)); return x; }, y, groups, Classes, folds: 5);

        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3, 4 }, calls.Select(c => c.Fold).ToArray(), "one call per fold, in order");
        foreach (var (fold, train) in calls)
        {
            CollectionAssert.AreEqual(Enumerable.Range(0, x.Count).Where(i => foldOf[i] != fold).ToArray(), train.ToArray(), $"fold {fold}: its training rows");
            var testGroups = Enumerable.Range(0, x.Count).Where(i => foldOf[i] == fold).Select(i => groups[i]).ToHashSet();
            Assert.IsFalse(train.Any(i => testGroups.Contains(groups[i])), $"fold {fold}: a test patient among the training rows");
        }
        // The same features every fold: exactly the fixed-feature cross-validation.
        var fixedFeatures = FeatureProbe.CrossValidate(ml, x, y, groups, Classes, folds: 5);
        Assert.AreEqual(fixedFeatures.BalancedAccuracy.Mean, perFold.BalancedAccuracy.Mean, 1e-12);
        Assert.AreEqual(fixedFeatures.MacroAuc.Mean, perFold.MacroAuc.Mean, 1e-12);
    }

    [TestMethod]
    public void FoldsDependOnThePatientsNotOnTheRowOrder()
    {
        var (_, _, groups) = Rows(120, 7, informative: 1);
        int[] folds = FeatureProbe.AssignFolds(groups, 5);
        var order = Enumerable.Range(0, groups.Count).ToArray();
        new Random(3).Shuffle(order);
        int[] shuffled = FeatureProbe.AssignFolds([.. order.Select(i => groups[i])], 5);
        for (int j = 0; j < order.Length; j++) Assert.AreEqual(folds[order[j]], shuffled[j], $"row {order[j]} ({groups[order[j]]})");
        Assert.AreEqual(5, folds.Distinct().Count());
        Assert.ThrowsExactly<ArgumentException>(() => FeatureProbe.AssignFolds(["a", "b"], 3));
    }

    [TestMethod]
    public void MismatchedInputsAreClearErrors()
    {
        var ml = new MLContext(seed: 1);
        var (x, y, _) = Rows(30, 8, informative: 0);
        var e = Assert.ThrowsExactly<ArgumentException>(() => FeatureProbe.Evaluate(ml, x, y, x, [.. y.Select(l => l == 2 ? 3 : l)], Classes));
        StringAssert.Contains(e.Message, "label 3");
        Assert.ThrowsExactly<ArgumentException>(() => FeatureProbe.Evaluate(ml, x, [.. y.Select(l => Math.Min(l, 1))], x, y, Classes));
        Assert.ThrowsExactly<ArgumentException>(() => FeatureProbe.Evaluate(ml, x, y, [.. x.Select(f => f[..5])], y, Classes));
    }
}
