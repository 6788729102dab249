using MaMA.MLNet.Evaluation;

namespace MaMA.MLNet.Cli.Reports;

/// <summary>
/// What each metric of a classification report would be without any skill, so a reader can tell a result from
/// chance: accuracy of always answering the most frequent class, balanced accuracy 1/K over the K classes that
/// occur, AUC 0.5.
/// </summary>
internal sealed record ChanceLevels(double Accuracy, double BalancedAccuracy, double Auc)
{
    /// <summary>The chance levels for the class counts of <paramref name="report"/>.</summary>
    public static ChanceLevels Of(ClassificationReport report)
    {
        var counts = report.ConfusionMatrix.Select(row => row.Sum()).ToArray();
        int total = counts.Sum(), present = counts.Count(c => c > 0);
        return new ChanceLevels(
            total == 0 ? double.NaN : (double)counts.Max() / total,
            present == 0 ? double.NaN : 1.0 / present,
            0.5);
    }

    /// <summary>
    /// A one-line reading of <paramref name="value"/> against <paramref name="chance"/> for a metric whose
    /// best value is 1: "at chance" within <paramref name="margin"/>, else how far above or below.
    /// </summary>
    public static string Reading(string metric, double value, double chance, double margin = 0.05)
    {
        if (double.IsNaN(value)) return $"{metric} n/a: too few images of some class to compute it.";
        string v = value.ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
        string c = chance.ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
        if (Math.Abs(value - chance) <= margin) return $"{metric} {v}: at chance ({c}); the model does not separate these classes.";
        return value > chance
            ? $"{metric} {v}: above chance ({c}) by {(value - chance).ToString("F2", System.Globalization.CultureInfo.InvariantCulture)}."
            : $"{metric} {v}: below chance ({c}); check the labels and the prompts.";
    }
}
