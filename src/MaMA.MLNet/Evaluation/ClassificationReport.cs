namespace MaMA.MLNet.Evaluation;

/// <summary>
/// The metrics MaMA reports for a classification task (spec §7): balanced accuracy and macro one-vs-rest AUC,
/// with the confusion matrix and per-class figures behind them.
/// </summary>
public sealed record ClassificationReport
{
    /// <summary>Class names, index = class.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }
    /// <summary>ConfusionMatrix[actual][predicted] counts.</summary>
    public required int[][] ConfusionMatrix { get; init; }
    /// <summary>Fraction of rows predicted right.</summary>
    public required double Accuracy { get; init; }
    /// <summary>Mean of per-class recall over classes present in the labels (ML.NET calls it MacroAccuracy).</summary>
    public required double BalancedAccuracy { get; init; }
    /// <summary>Recall (sensitivity) of each class; NaN for a class with no rows.</summary>
    public required double[] Recall { get; init; }
    /// <summary>One-vs-rest AUC of each class; NaN when the class or its complement is absent.</summary>
    public required double[] OneVsRestAuc { get; init; }
    /// <summary>Mean one-vs-rest AUC over classes where it is defined. For two classes it is the usual AUC.</summary>
    public required double MacroAuc { get; init; }
    /// <summary>Rows evaluated.</summary>
    public required int Count { get; init; }

    /// <summary>Computes the report from labels and per-class scores (probabilities or logits).</summary>
    /// <param name="labels">Class index of each row.</param>
    /// <param name="scores">scores[row][class].</param>
    /// <param name="classNames">Names of the classes; their count is the class count.</param>
    public static ClassificationReport Compute(IReadOnlyList<int> labels, IReadOnlyList<float[]> scores, IReadOnlyList<string> classNames)
    {
        int k = classNames.Count, n = labels.Count;
        if (k < 2) throw new ArgumentException("at least two classes are needed", nameof(classNames));
        if (scores.Count != n) throw new ArgumentException($"{n} labels but {scores.Count} score rows", nameof(scores));
        var confusion = Enumerable.Range(0, k).Select(_ => new int[k]).ToArray();
        int correct = 0;
        for (int i = 0; i < n; i++)
        {
            if (labels[i] < 0 || labels[i] >= k) throw new ArgumentOutOfRangeException(nameof(labels), $"row {i}: label {labels[i]} is not a class index below {k}");
            if (scores[i].Length != k) throw new ArgumentException($"row {i}: {scores[i].Length} scores for {k} classes", nameof(scores));
            int predicted = ArgMax(scores[i]);
            confusion[labels[i]][predicted]++;
            if (predicted == labels[i]) correct++;
        }

        var recall = new double[k];
        var auc = new double[k];
        var isClass = new bool[n];
        var classScore = new float[n];
        for (int c = 0; c < k; c++)
        {
            int rows = confusion[c].Sum();
            recall[c] = rows == 0 ? double.NaN : (double)confusion[c][c] / rows;
            for (int i = 0; i < n; i++) { isClass[i] = labels[i] == c; classScore[i] = scores[i][c]; }
            auc[c] = RocAnalysis.Auc(isClass, classScore);
        }
        // Two classes: the AUC of the positive class (index 1), as for any binary classifier.
        return new ClassificationReport
        {
            ClassNames = classNames,
            ConfusionMatrix = confusion,
            Accuracy = n == 0 ? double.NaN : (double)correct / n,
            BalancedAccuracy = MeanDefined(recall),
            Recall = recall,
            OneVsRestAuc = auc,
            MacroAuc = k == 2 ? auc[1] : MeanDefined(auc),
            Count = n,
        };
    }

    private static int ArgMax(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    private static double MeanDefined(double[] values)
    {
        var defined = values.Where(v => !double.IsNaN(v)).ToArray();
        return defined.Length == 0 ? double.NaN : defined.Average();
    }
}
