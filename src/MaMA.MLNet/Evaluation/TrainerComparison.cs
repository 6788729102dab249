using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

namespace MaMA.MLNet.Evaluation;

/// <summary>A multiclass trainer to compare: a name and how to build it for given label/feature columns.</summary>
/// <param name="Name">Shown in the ranking.</param>
/// <param name="Create">Builds the trainer estimator.</param>
public sealed record CandidateTrainer(string Name, Func<MLContext, string, string, IEstimator<ITransformer>> Create);

/// <summary>One trainer's cross-validated result.</summary>
/// <param name="Trainer">The trainer's name.</param>
/// <param name="BalancedAccuracy">Mean over folds.</param>
/// <param name="BalancedAccuracyStdDev">Standard deviation over folds.</param>
/// <param name="MacroAuc">Mean over folds of the macro one-vs-rest AUC.</param>
/// <param name="MacroAucStdDev">Standard deviation over folds.</param>
/// <param name="Folds">The per-fold reports.</param>
/// <param name="TrainingTime">Wall time of all folds together.</param>
public sealed record TrainerComparisonResult(string Trainer, double BalancedAccuracy, double BalancedAccuracyStdDev,
    double MacroAuc, double MacroAucStdDev, IReadOnlyList<ClassificationReport> Folds, TimeSpan TrainingTime);

/// <summary>
/// Cross-validated comparison of ML.NET multiclass trainers on a feature column (MaMA embeddings, typically),
/// ranked by balanced accuracy, then macro AUC. Stands in for Microsoft.ML.AutoML, which this project's
/// package source does not serve; folds are stratified by ML.NET's <c>CrossValidate</c> sampling column.
/// </summary>
public static class TrainerComparison
{
    /// <summary>
    /// The default candidates: L-BFGS and SDCA maximum entropy, LightGBM, FastForest and FastTree one-versus-all.
    /// </summary>
    public static IReadOnlyList<CandidateTrainer> DefaultCandidates { get; } =
    [
        new("LbfgsMaximumEntropy", (ml, label, features) => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(label, features)),
        new("SdcaMaximumEntropy", (ml, label, features) => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(label, features)),
        new("LightGbm", (ml, label, features) => ml.MulticlassClassification.Trainers.LightGbm(
            new LightGbmMulticlassTrainer.Options { LabelColumnName = label, FeatureColumnName = features, NumberOfThreads = 1, Seed = 1 })),
        new("FastForestOva", (ml, label, features) => ml.MulticlassClassification.Trainers.OneVersusAll(
            ml.BinaryClassification.Trainers.FastForest(new FastForestBinaryTrainer.Options { LabelColumnName = label, FeatureColumnName = features, NumberOfThreads = 1 }),
            labelColumnName: label)),
        new("FastTreeOva", (ml, label, features) => ml.MulticlassClassification.Trainers.OneVersusAll(
            ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options { LabelColumnName = label, FeatureColumnName = features, NumberOfThreads = 1 }),
            labelColumnName: label)),
    ];

    /// <summary>Runs every candidate with <paramref name="folds"/>-fold cross-validation and ranks them.</summary>
    /// <param name="ml">The context; its seed fixes the folds.</param>
    /// <param name="data">Rows with a label column (any type MapValueToKey accepts) and a float vector feature column.</param>
    /// <param name="labelColumnName">The label column.</param>
    /// <param name="featureColumnName">The feature (embedding) column.</param>
    /// <param name="folds">Number of folds, at least 2.</param>
    /// <param name="candidates">Trainers to compare; <see cref="DefaultCandidates"/> when null.</param>
    /// <param name="samplingKeyColumnName">Rows sharing this key stay in one fold (e.g. patient id), so no patient leaks across folds.</param>
    /// <param name="progress">Reports each finished trainer.</param>
    public static IReadOnlyList<TrainerComparisonResult> Run(MLContext ml, IDataView data, string labelColumnName = "Label",
        string featureColumnName = "Features", int folds = 5, IReadOnlyList<CandidateTrainer>? candidates = null,
        string? samplingKeyColumnName = null, IProgress<TrainerComparisonResult>? progress = null)
    {
        if (folds < 2) throw new ArgumentOutOfRangeException(nameof(folds), "at least two folds");
        const string key = "__mama_label_key";
        var keyed = ml.Transforms.Conversion.MapValueToKey(key, labelColumnName).Fit(data).Transform(data);
        var results = new List<TrainerComparisonResult>();
        foreach (var candidate in candidates ?? DefaultCandidates)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var cv = ml.MulticlassClassification.CrossValidate(keyed, candidate.Create(ml, key, featureColumnName),
                numberOfFolds: folds, labelColumnName: key, samplingKeyColumnName: samplingKeyColumnName, seed: 1);
            var reports = cv.Select(fold => ClassificationEvaluator.Evaluate(fold.ScoredHoldOutSet, key, "Score")).ToList();
            var result = new TrainerComparisonResult(candidate.Name,
                Mean(reports.Select(r => r.BalancedAccuracy)), StdDev(reports.Select(r => r.BalancedAccuracy)),
                Mean(reports.Select(r => r.MacroAuc)), StdDev(reports.Select(r => r.MacroAuc)),
                reports, watch.Elapsed);
            results.Add(result);
            progress?.Report(result);
        }
        return results.OrderByDescending(r => r.BalancedAccuracy).ThenByDescending(r => r.MacroAuc).ToList();
    }

    private static double Mean(IEnumerable<double> values)
    {
        var defined = values.Where(v => !double.IsNaN(v)).ToArray();
        return defined.Length == 0 ? double.NaN : defined.Average();
    }

    private static double StdDev(IEnumerable<double> values)
    {
        var defined = values.Where(v => !double.IsNaN(v)).ToArray();
        if (defined.Length < 2) return 0;
        double mean = defined.Average();
        return Math.Sqrt(defined.Sum(v => (v - mean) * (v - mean)) / (defined.Length - 1));
    }
}
