namespace MaMA.MLNet.Reporting;

/// <summary>One ROC curve to draw: its operating points from the strictest threshold to the loosest and its area.</summary>
/// <param name="Label">Legend text, e.g. the positive class.</param>
/// <param name="FalsePositiveRate">1 - specificity at each point, from 0 to 1.</param>
/// <param name="TruePositiveRate">Sensitivity at each point, same length.</param>
/// <param name="Auc">Area under the curve (shown in the legend); NaN when undefined.</param>
public sealed record RocCurve(string Label, IReadOnlyList<double> FalsePositiveRate, IReadOnlyList<double> TruePositiveRate, double Auc);
