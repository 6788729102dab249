namespace MaMA.MLNet.Evaluation;

/// <summary>One operating point of a ROC curve.</summary>
/// <param name="Threshold">Scores at or above it are called positive.</param>
/// <param name="FalsePositiveRate">1 - specificity.</param>
/// <param name="TruePositiveRate">Sensitivity.</param>
public readonly record struct RocPoint(double Threshold, double FalsePositiveRate, double TruePositiveRate);

/// <summary>Binary ROC analysis: the curve, its area, and specificity at a required sensitivity.</summary>
public static class RocAnalysis
{
    /// <summary>
    /// Area under the ROC curve as the Mann-Whitney statistic: the probability that a random positive scores
    /// above a random negative, ties counting one half. NaN when one class is absent.
    /// </summary>
    public static double Auc(ReadOnlySpan<bool> isPositive, ReadOnlySpan<float> scores)
    {
        CheckLengths(isPositive, scores);
        int n = scores.Length;
        var order = SortedIndices(scores);
        // Mid-ranks (1-based) with ties averaged; AUC = (sum of positive ranks - P(P+1)/2) / (P N).
        double positiveRankSum = 0;
        long positives = 0;
        for (int start = 0; start < n;)
        {
            int end = start;
            while (end + 1 < n && scores[order[end + 1]] == scores[order[start]]) end++;
            double midRank = (start + end) / 2.0 + 1;
            for (int k = start; k <= end; k++)
                if (isPositive[order[k]]) { positiveRankSum += midRank; positives++; }
            start = end + 1;
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) return double.NaN;
        return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }

    /// <summary>The ROC curve from the strictest threshold to the loosest, starting at (0,0) and ending at (1,1).</summary>
    public static IReadOnlyList<RocPoint> Curve(ReadOnlySpan<bool> isPositive, ReadOnlySpan<float> scores)
    {
        CheckLengths(isPositive, scores);
        int n = scores.Length;
        var order = SortedIndices(scores);
        Array.Reverse(order); // descending
        long positives = 0;
        foreach (bool p in isPositive) if (p) positives++;
        long negatives = n - positives;
        var points = new List<RocPoint> { new(double.PositiveInfinity, 0, 0) };
        long tp = 0, fp = 0;
        for (int i = 0; i < n;)
        {
            float threshold = scores[order[i]];
            while (i < n && scores[order[i]] == threshold)
            {
                if (isPositive[order[i]]) tp++; else fp++;
                i++;
            }
            points.Add(new RocPoint(threshold, negatives == 0 ? 0 : (double)fp / negatives, positives == 0 ? 0 : (double)tp / positives));
        }
        return points;
    }

    /// <summary>
    /// The highest specificity among thresholds whose sensitivity is at least <paramref name="sensitivity"/>
    /// (the screening question: "catching 90% of cancers, how many healthy women do we recall?").
    /// </summary>
    public static double SpecificityAtSensitivity(ReadOnlySpan<bool> isPositive, ReadOnlySpan<float> scores, double sensitivity)
    {
        if (sensitivity is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(sensitivity), "must be in [0, 1]");
        double best = double.NaN;
        foreach (var point in Curve(isPositive, scores))
            if (point.TruePositiveRate >= sensitivity)
                best = double.IsNaN(best) ? 1 - point.FalsePositiveRate : Math.Max(best, 1 - point.FalsePositiveRate);
        return best;
    }

    private static int[] SortedIndices(ReadOnlySpan<float> scores)
    {
        foreach (float s in scores)
            if (float.IsNaN(s)) throw new ArgumentException("scores contain NaN", nameof(scores));
        var keys = scores.ToArray();
        var order = Enumerable.Range(0, keys.Length).ToArray();
        Array.Sort(keys, order);
        return order;
    }

    private static void CheckLengths(ReadOnlySpan<bool> isPositive, ReadOnlySpan<float> scores)
    {
        if (isPositive.Length != scores.Length)
            throw new ArgumentException($"{isPositive.Length} labels but {scores.Length} scores");
    }
}
