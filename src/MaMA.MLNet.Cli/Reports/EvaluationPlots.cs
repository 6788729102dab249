using System.Globalization;
using System.Text;
using MaMA.MLNet.Cli.Commands;
using MaMA.MLNet.Evaluation;
using MaMA.MLNet.Modeling.MaMA;
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
                LossGuides? guides = null;
                Plot(md, "Pretraining loss", folder, stem + "-loss.png",
                    log is null ? $"no {MaMAPretraining.LogFile} in the model folder or its parent" : null,
                    path =>
                    {
                        guides = LossGuidesOf(log!);
                        ReportPlots.LossCurvesFromTrainingLog(log!, path, "Pretraining loss", guides: guides.Plot);
                    });
                if (guides is not null) md.AppendLine(guides.Reading).AppendLine();
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

    /// <summary>
    /// The chance lines and late-start marker of a training log's loss plot, and the sentences that explain them (with
    /// the steps done of planned and a warning when the time budget stopped the run short, from the log's end record).
    /// </summary>
    /// <param name="Plot">What the plot draws beside the curves.</param>
    /// <param name="Reading">Markdown: what the dashed and dotted lines are, and each term's last value against its chance.</param>
    /// <param name="LateStartStep">The first step with the late loss terms; null when every logged step has the same terms.</param>
    internal sealed record LossGuides(LossPlotGuides Plot, string Reading, long? LateStartStep);

    /// <summary>
    /// Reads <paramref name="log"/> (a <c>mama pretrain</c> training log) for the guides of its loss plot. Chance: each
    /// MaMA term's value when no pair can be told apart, at the batch the log records per step
    /// (<see cref="MaMALossChance"/>), and for the total the sum over the terms of each step; a log without
    /// <c>batch_size</c> (written before it was recorded) gets no chance lines. The late-start marker: the first step
    /// that logs a term the first step did not, i.e. where <c>MaMAObjective</c> switches the multi-view and local
    /// terms on (its <c>LateStartStep</c>, 0-based, is the step the log numbers one higher).
    /// </summary>
    /// <exception cref="ReportDataException">The log is missing or malformed.</exception>
    internal static LossGuides LossGuidesOf(string log)
    {
        var points = LossLogs.ReadTrainingLog(log);
        var batches = LossLogs.ReadTrainingLogNumber(log, "batch_size");
        var steps = points.Select(p => p.Step).Distinct().Order().ToList();
        var termsAt = points.Where(p => p.Term != LossLogs.TotalTerm).GroupBy(p => p.Step).ToDictionary(g => g.Key, g => g.Select(p => p.Term).ToList());
        bool hasTotal = points.Any(p => p.Term == LossLogs.TotalTerm);

        // Per term, runs of consecutive logged steps with one chance value become one line each.
        var lines = new List<LossChanceLine>();
        var open = new Dictionary<string, (long From, long To, double Value)>(StringComparer.Ordinal);
        void Close(string term)
        {
            if (open.Remove(term, out var run)) lines.Add(new LossChanceLine(term, run.From, run.To, run.Value));
        }
        foreach (long step in steps)
        {
            var values = new Dictionary<string, double>(StringComparer.Ordinal);
            if (batches.TryGetValue(step, out double b) && b >= 2 && termsAt.TryGetValue(step, out var terms))
            {
                var chances = terms.Select(t => (Term: t, Value: MaMALossChance.Of(t, (int)b))).ToList();
                foreach (var (term, value) in chances)
                    if (value is { } v) values[term] = v;
                // The total's chance needs every term's; a term this does not know leaves it out.
                if (hasTotal && chances.All(c => c.Value is not null)) values[LossLogs.TotalTerm] = chances.Sum(c => c.Value!.Value);
            }
            foreach (string term in open.Keys.Where(t => !values.TryGetValue(t, out double v) || v != open[t].Value).ToList()) Close(term);
            foreach (var (term, value) in values)
                open[term] = open.TryGetValue(term, out var run) ? run with { To = step } : (step, step, value);
        }
        foreach (string term in open.Keys.ToList()) Close(term);

        var first = steps.Count > 0 && termsAt.TryGetValue(steps[0], out var firstTerms) ? firstTerms.ToHashSet(StringComparer.Ordinal) : [];
        long? lateStart = null;
        IReadOnlyList<string> lateTerms = [];
        foreach (long step in steps)
        {
            if (!termsAt.TryGetValue(step, out var terms)) continue;
            var added = terms.Where(t => !first.Contains(t)).ToList();
            if (added.Count == 0) continue;
            (lateStart, lateTerms) = (step, added);
            break;
        }
        var markers = lateStart is { } at ? new[] { new StepMarker(at, $"late losses start (step {at})") } : [];

        var reading = new StringBuilder();
        if (lines.Count > 0)
        {
            var last = points.Where(p => p.Step == steps[^1]).ToDictionary(p => p.Term, p => p.Value, StringComparer.Ordinal);
            var atEnd = lines.Where(l => l.ToStep == steps[^1]).ToList();
            reading.Append(CultureInfo.InvariantCulture,
                $"Dashed lines: each loss at chance, when no image is told from the others in its batch of {batches.Values.Last():F0} (cross-entropy over n candidates is ln n: image_text 2 ln B, multi_view ln(2B - 1), local_alignment 4 ln B; the total their sum). ");
            reading.Append("At the last step: ").AppendJoin("; ", atEnd.Select(l => last.TryGetValue(l.Term, out double v)
                ? string.Create(CultureInfo.InvariantCulture, $"{l.Term} {v:F2} ({(v < l.Value - 0.05 * l.Value ? "below" : v > l.Value + 0.05 * l.Value ? "above" : "at")} chance {l.Value:F2})")
                : string.Create(CultureInfo.InvariantCulture, $"{l.Term} chance {l.Value:F2}"))).Append('.');
        }
        else
        {
            reading.Append("No chance lines: the log records no batch size (written before it was), or its terms are not MaMA's.");
        }
        if (lateStart is { } s)
            reading.Append(CultureInfo.InvariantCulture, $" Dotted line: the late losses ({string.Join(", ", lateTerms)}) start at step {s}; the total jumps there because terms are added, not because training got worse.");
        // Steps done of planned, and whether the time budget cut the run short, as the trainer recorded its end.
        if (LossLogs.ReadTrainingLogEnd(log) is { } end)
        {
            reading.Append(' ').Append(TrainingSummary.Steps(end.Step, end.TotalSteps, end.StopReason));
            if (TrainingSummary.BudgetWarning(end.Step, end.TotalSteps, end.StopReason, end.TimeBudgetMinutes) is { } warning)
                reading.AppendLine().AppendLine().Append("**Warning:** ").Append(warning["warning: ".Length..]);
        }
        return new LossGuides(new LossPlotGuides { ChanceLines = lines, Markers = markers }, reading.ToString(), lateStart);
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
