using System.Globalization;
using System.Text;
using MaMA.MLNet.Cli.Commands;
using MaMA.MLNet.Evaluation;
using MaMA.MLNet.Pretraining;
using MaMA.MLNet.Reporting;

namespace MaMA.MLNet.Cli.Reports;

/// <summary>
/// The PNG plots of <c>mama evaluate --report</c>, written beside the report as <c>{report}-roc.png</c>,
/// <c>-confusion.png</c>, <c>-loss.png</c> and <c>-embeddings.png</c>, and the Markdown section that links them.
/// A plot that cannot be drawn is replaced by a note saying why; the metrics are never held back by a plot.
/// </summary>
internal static class EvaluationPlots
{
    /// <summary>
    /// The ROC curves of a report: for two classes the one of the positive class (index 1, as
    /// <see cref="ClassificationReport.MacroAuc"/>); otherwise one per class, one vs rest. A class that is absent, or
    /// that every image has, has no curve.
    /// </summary>
    public static IReadOnlyList<RocCurve> RocCurves(IReadOnlyList<int> labels, IReadOnlyList<float[]> scores, IReadOnlyList<string> classNames)
    {
        var classes = classNames.Count == 2 ? [1] : Enumerable.Range(0, classNames.Count);
        var curves = new List<RocCurve>();
        foreach (int c in classes)
        {
            var isClass = labels.Select(l => l == c).ToArray();
            if (!isClass.Contains(true) || !isClass.Contains(false)) continue;
            var classScores = scores.Select(s => s[c]).ToArray();
            var points = RocAnalysis.Curve(isClass, classScores);
            curves.Add(new RocCurve(classNames[c], points.Select(p => p.FalsePositiveRate).ToArray(), points.Select(p => p.TruePositiveRate).ToArray(),
                RocAnalysis.Auc(isClass, classScores)));
        }
        return curves;
    }

    /// <summary>
    /// The training log of a model folder: <c>training-log.jsonl</c> in it or in its parent (mama pretrain writes
    /// OUT/model and OUT/training-log.jsonl); null when there is none.
    /// </summary>
    public static string? FindTrainingLog(string modelDirectory)
    {
        string full = Path.GetFullPath(Path.TrimEndingDirectorySeparator(modelDirectory));
        foreach (string? folder in new[] { full, Path.GetDirectoryName(full) })
        {
            if (folder is null) continue;
            string candidate = Path.Combine(folder, MaMAPretraining.LogFile);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Writes the plots beside <paramref name="reportPath"/> and returns the Markdown section that shows them.</summary>
    public static string Write(ZeroShotScores scores, string task, string reportPath, string modelDirectory)
    {
        string full = Path.GetFullPath(reportPath);
        return Write(scores, task, Path.GetDirectoryName(full)!, Path.GetFileNameWithoutExtension(full), modelDirectory, "## Plots");
    }

    /// <summary>
    /// Writes the plots into <paramref name="folder"/> as <c>{stem}-roc.png</c> etc. and returns a Markdown section
    /// under <paramref name="heading"/> that links them (relative to <paramref name="folder"/>). With
    /// <paramref name="modelDirectory"/> null there is no loss plot and no note about it.
    /// </summary>
    public static string Write(ZeroShotScores scores, string task, string folder, string stem, string? modelDirectory, string heading)
    {
        var report = scores.Report;
        var md = new StringBuilder().AppendLine().AppendLine(heading).AppendLine();
        try
        {
            var curves = RocCurves(scores.Labels, scores.Scores, report.ClassNames);
            string rocTitle = report.ClassNames.Count == 2 ? $"ROC: {task} ({report.ClassNames[1]} vs {report.ClassNames[0]})" : $"ROC: {task} (one vs rest)";
            Plot(md, "ROC curves", folder, stem + "-roc.png", curves.Count == 0 ? NoRocReason(scores.Labels, report.ClassNames) : null,
                path => ReportPlots.Roc(curves, path, rocTitle));
            Plot(md, "Confusion matrix", folder, stem + "-confusion.png", null,
                path => ReportPlots.ConfusionMatrix(report.ConfusionMatrix, report.ClassNames, path, $"Confusion matrix: {task} (n={report.Count})"));
            if (modelDirectory is not null)
            {
                string? log = FindTrainingLog(modelDirectory);
                Plot(md, "Pretraining loss", folder, stem + "-loss.png",
                    log is null ? $"no {MaMAPretraining.LogFile} in the model folder or its parent" : null,
                    path => ReportPlots.LossCurvesFromTrainingLog(log!, path, "Pretraining loss"));
            }
            string? embeddingNote = null;
            Plot(md, "Image embeddings (PCA)", folder, stem + "-embeddings.png", scores.Embeddings.Count < 2 ? "fewer than two images" : null, path =>
            {
                var projection = ReportPlots.EmbeddingMap(scores.Embeddings, scores.Labels, report.ClassNames, path, $"Image embeddings (PCA), coloured by {task}");
                embeddingNote = string.Create(CultureInfo.InvariantCulture,
                    $"The first two principal components hold {100 * (projection.ExplainedVarianceRatio(0) + (projection.Variances.Length > 1 ? projection.ExplainedVarianceRatio(1) : 0)):F1}% of the embeddings' variance.");
            });
            if (embeddingNote is not null) md.AppendLine(embeddingNote).AppendLine();
        }
        catch (PlotRenderingException e)
        {
            Console.Error.WriteLine($"warning: plots skipped: {e.Message}");
            md.AppendLine($"Plots skipped: {e.Message}").AppendLine();
        }
        return md.ToString();
    }

    private static string NoRocReason(IReadOnlyList<int> labels, IReadOnlyList<string> classNames) =>
        labels.Distinct().Count() == 1
            ? $"all {labels.Count} images are {classNames[labels[0]]}; a ROC curve needs images of both the class and the rest"
            : "no class has both positive and negative images";

    // One plot: a heading, then the image link, or a note when it was skipped or its data was bad.
    private static void Plot(StringBuilder md, string heading, string folder, string file, string? skipReason, Action<string> draw)
    {
        md.AppendLine($"### {heading}").AppendLine();
        if (skipReason is null)
        {
            try
            {
                draw(Path.Combine(folder, file));
                md.AppendLine($"![{heading}]({Uri.EscapeDataString(file)})").AppendLine();
                return;
            }
            catch (ReportDataException e)
            {
                skipReason = e.Message;
            }
        }
        md.AppendLine($"Not drawn: {skipReason}.").AppendLine();
    }
}
