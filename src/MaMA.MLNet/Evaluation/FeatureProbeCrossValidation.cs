namespace MaMA.MLNet.Evaluation;

/// <summary>A cross-validated <see cref="FeatureProbe"/>: mean and standard deviation over the folds, and each fold's report.</summary>
/// <param name="BalancedAccuracy">Balanced accuracy over the folds.</param>
/// <param name="MacroAuc">Macro one-vs-rest AUC over the folds (NaN-folds left out).</param>
/// <param name="Folds">Each held-out fold's report.</param>
public sealed record FeatureProbeCrossValidation((double Mean, double StdDev) BalancedAccuracy, (double Mean, double StdDev) MacroAuc,
    IReadOnlyList<ClassificationReport> Folds);
