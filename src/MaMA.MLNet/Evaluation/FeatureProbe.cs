using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace MaMA.MLNet.Evaluation;

/// <summary>
/// One fixed linear probe for comparing frozen features (from different image encoders, or before and after
/// pretraining): standardise each feature on the training rows, then a class-balanced L2-regularised multinomial
/// logistic regression (ML.NET's L-BFGS maximum entropy, each row weighted by 1 / its class's training count),
/// scored on the test rows. Same probe, same rows: differences come from the features.
/// </summary>
public static class FeatureProbe
{
    private const string LabelColumn = "Label";
    private const string FeatureColumn = "Features";
    private const string WeightColumn = "Weight";
    private const string KeyColumn = "LabelKey";

    /// <summary>Trains the probe on the training rows and reports it on the test rows.</summary>
    /// <param name="ml">The context (its seed makes the run repeatable).</param>
    /// <param name="trainFeatures">One feature vector per training row, all of one length.</param>
    /// <param name="trainLabels">Class index (0-based) per training row.</param>
    /// <param name="testFeatures">One feature vector per test row.</param>
    /// <param name="testLabels">Class index per test row.</param>
    /// <param name="classNames">Names of the classes, by index (their count is the class count).</param>
    /// <param name="l2">L2 regularisation of the logistic regression.</param>
    /// <exception cref="ArgumentException">Counts or lengths disagree, a label is out of range, or a class has no training row.</exception>
    public static ClassificationReport Evaluate(MLContext ml, IReadOnlyList<float[]> trainFeatures, IReadOnlyList<int> trainLabels,
        IReadOnlyList<float[]> testFeatures, IReadOnlyList<int> testLabels, IReadOnlyList<string> classNames, float l2 = 1f)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(classNames);
        int classes = classNames.Count;
        int width = Check(trainFeatures, trainLabels, classes, "training", null);
        Check(testFeatures, testLabels, classes, "test", width);
        var counts = new int[classes];
        foreach (int label in trainLabels) counts[label]++;
        if (counts.Any(c => c == 0))
            throw new ArgumentException($"Class '{classNames[Array.IndexOf(counts, 0)]}' has no training row; the probe needs every class.", nameof(trainLabels));

        var schema = SchemaDefinition.Create(typeof(ProbeRow));
        schema[nameof(ProbeRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        IDataView Rows(IReadOnlyList<float[]> features, IReadOnlyList<int> labels) => ml.Data.LoadFromEnumerable(
            features.Select((f, i) => new ProbeRow { Features = f, Label = (uint)labels[i], Weight = (float)trainLabels.Count / (classes * counts[labels[i]]) }).ToList(),
            schema);

        // Keys ordered by value, so key k + 1 is class k (every class has training rows, checked above).
        var pipeline = ml.Transforms.Conversion.MapValueToKey(KeyColumn, LabelColumn, keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(ml.Transforms.NormalizeMeanVariance(FeatureColumn))
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
            {
                LabelColumnName = KeyColumn,
                FeatureColumnName = FeatureColumn,
                ExampleWeightColumnName = WeightColumn,
                L2Regularization = l2,
                L1Regularization = 0,
            }));
        var model = pipeline.Fit(Rows(trainFeatures, trainLabels));
        return ClassificationEvaluator.Evaluate(model.Transform(Rows(testFeatures, testLabels)), KeyColumn, "Score", classNames);
    }

    /// <summary>
    /// The probe cross-validated over <paramref name="folds"/> folds of whole groups (e.g. patients: no woman's images on
    /// both sides); groups are dealt to folds in a seeded random order (<see cref="AssignFolds"/>). Returns the mean and
    /// spread over the folds.
    /// </summary>
    /// <exception cref="ArgumentException">Counts disagree, fewer groups than folds, or a training fold lacks a class.</exception>
    public static FeatureProbeCrossValidation CrossValidate(MLContext ml, IReadOnlyList<float[]> features, IReadOnlyList<int> labels,
        IReadOnlyList<string> groups, IReadOnlyList<string> classNames, int folds = 5, int seed = 1, float l2 = 1f)
    {
        ArgumentNullException.ThrowIfNull(features);
        return CrossValidate(ml, (_, _) => features, labels, groups, classNames, folds, seed, l2);
    }

    /// <summary>
    /// As <see cref="CrossValidate(MLContext, IReadOnlyList{float[]}, IReadOnlyList{int}, IReadOnlyList{string}, IReadOnlyList{string}, int, int, float)"/>,
    /// with features that depend on the fold: <paramref name="featuresOfFold"/> gets the fold and its training rows' indices
    /// and returns a feature vector for every row. This is how features learnt from the data (e.g. a model pretrained on
    /// the training fold's images and captions only) are compared without the test fold leaking into them.
    /// </summary>
    /// <exception cref="ArgumentException">Counts disagree, fewer groups than folds, or a training fold lacks a class.</exception>
    public static FeatureProbeCrossValidation CrossValidate(MLContext ml, Func<int, IReadOnlyList<int>, IReadOnlyList<float[]>> featuresOfFold,
        IReadOnlyList<int> labels, IReadOnlyList<string> groups, IReadOnlyList<string> classNames, int folds = 5, int seed = 1, float l2 = 1f)
    {
        ArgumentNullException.ThrowIfNull(featuresOfFold);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        int[] foldOf = AssignFolds(groups, folds, seed);
        if (foldOf.Length != labels.Count) throw new ArgumentException($"{groups.Count} groups for {labels.Count} rows.", nameof(groups));
        var reports = new List<ClassificationReport>();
        for (int f = 0; f < folds; f++)
        {
            var train = Enumerable.Range(0, labels.Count).Where(i => foldOf[i] != f).ToList();
            var test = Enumerable.Range(0, labels.Count).Where(i => foldOf[i] == f).ToList();
            var features = featuresOfFold(f, train);
            Check(features, labels, classNames.Count, "", null);
            reports.Add(Evaluate(ml, [.. train.Select(i => features[i])], [.. train.Select(i => labels[i])],
                [.. test.Select(i => features[i])], [.. test.Select(i => labels[i])], classNames, l2));
        }
        return new FeatureProbeCrossValidation(MeanStd(reports.Select(r => r.BalancedAccuracy)), MeanStd(reports.Select(r => r.MacroAuc)), reports);
    }

    /// <summary>
    /// The fold of each row: whole groups dealt to <paramref name="folds"/> folds in a seeded random order of the
    /// distinct group names (sorted first, so the row order does not matter).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer groups than folds.</exception>
    public static int[] AssignFolds(IReadOnlyList<string> groups, int folds, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (folds < 2) throw new ArgumentOutOfRangeException(nameof(folds), "at least two folds");
        var distinct = groups.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (distinct.Length < folds) throw new ArgumentException($"{distinct.Length} groups cannot fill {folds} folds.", nameof(groups));
        new Random(seed).Shuffle(distinct);
        var foldOf = distinct.Select((g, i) => (g, i % folds)).ToDictionary(x => x.g, x => x.Item2, StringComparer.Ordinal);
        return [.. groups.Select(g => foldOf[g])];
    }

    private static (double Mean, double StdDev) MeanStd(IEnumerable<double> values)
    {
        var v = values.Where(x => !double.IsNaN(x)).ToArray();
        if (v.Length == 0) return (double.NaN, double.NaN);
        double mean = v.Average();
        return (mean, v.Length < 2 ? 0 : Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)));
    }

    private static int Check(IReadOnlyList<float[]> features, IReadOnlyList<int> labels, int classes, string what, int? width)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (features.Count == 0) throw new ArgumentException($"The {what} rows are empty.".Replace("  ", " ", StringComparison.Ordinal));
        if (features.Count != labels.Count) throw new ArgumentException($"{features.Count} {what} feature rows but {labels.Count} labels.".Replace("  ", " ", StringComparison.Ordinal));
        int w = width ?? features[0].Length;
        if (w == 0) throw new ArgumentException($"The {what} features are empty vectors.");
        for (int i = 0; i < features.Count; i++)
        {
            if (features[i].Length != w) throw new ArgumentException($"{what} row {i} has {features[i].Length} features, expected {w}.");
            if (labels[i] < 0 || labels[i] >= classes) throw new ArgumentException($"{what} row {i} has label {labels[i]}, outside [0, {classes}).");
        }
        return w;
    }

    private sealed class ProbeRow
    {
        public float[] Features { get; set; } = [];
        public uint Label { get; set; }
        public float Weight { get; set; }
    }
}
