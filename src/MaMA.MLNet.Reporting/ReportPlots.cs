using System.Globalization;
using ScottPlot;

namespace MaMA.MLNet.Reporting;

/// <summary>
/// The PNG plots of MaMA.MLNet reports: ROC curves, the confusion matrix as a heat map, loss curves over steps and
/// a 2-D PCA map of embeddings. Each method writes one PNG file (creating its folder) with a sans-serif font,
/// titled axes and a legend where there is more than one series.
/// </summary>
public static class ReportPlots
{
    /// <summary>Default width of a plot in pixels.</summary>
    public const int DefaultWidth = 800;

    /// <summary>Default height of a plot in pixels.</summary>
    public const int DefaultHeight = 600;

    // Category10: distinct hues for up to ten classes or loss terms.
    private static readonly IPalette Palette = new ScottPlot.Palettes.Category10();

    /// <summary>
    /// ROC curves on the unit square with the chance diagonal; the legend names each curve with its AUC.
    /// </summary>
    /// <param name="curves">The curves (one for a binary task, one per class one-vs-rest otherwise).</param>
    /// <param name="path">PNG file to write.</param>
    /// <param name="title">Plot title.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <exception cref="ArgumentException">No curve, or a curve whose rates differ in length or leave [0, 1].</exception>
    /// <exception cref="PlotRenderingException">No font is installed.</exception>
    public static void Roc(IReadOnlyList<RocCurve> curves, string path, string title = "ROC curve", int width = 700, int height = 700)
    {
        ArgumentNullException.ThrowIfNull(curves);
        if (curves.Count == 0) throw new ArgumentException("no ROC curve to draw", nameof(curves));
        foreach (var c in curves)
        {
            if (c.FalsePositiveRate.Count != c.TruePositiveRate.Count || c.FalsePositiveRate.Count == 0)
                throw new ArgumentException($"curve '{c.Label}': {c.FalsePositiveRate.Count} false and {c.TruePositiveRate.Count} true positive rates", nameof(curves));
            if (c.FalsePositiveRate.Concat(c.TruePositiveRate).Any(r => !(r >= 0 && r <= 1)))
                throw new ArgumentException($"curve '{c.Label}': rates must lie in [0, 1]", nameof(curves));
        }
        var plot = NewPlot(title, "False positive rate (1 - specificity)", "True positive rate (sensitivity)");
        var chance = plot.Add.Line(0, 0, 1, 1);
        chance.LineColor = Colors.Gray;
        chance.LinePattern = LinePattern.Dashed;
        chance.LineWidth = 1.5f;
        chance.LegendText = "Chance (AUC 0.500)";
        for (int i = 0; i < curves.Count; i++)
        {
            var c = curves[i];
            var line = plot.Add.ScatterLine(c.FalsePositiveRate.ToArray(), c.TruePositiveRate.ToArray());
            line.Color = Palette.GetColor(i);
            line.LineWidth = 2.5f;
            line.LegendText = $"{c.Label} (AUC {Format(c.Auc)})";
        }
        plot.Axes.SetLimits(-0.01, 1.01, -0.01, 1.01);
        plot.Axes.SquareUnits();
        Ticks(plot.Axes.Bottom, 0, 1, 0.2);
        Ticks(plot.Axes.Left, 0, 1, 0.2);
        plot.ShowLegend(Alignment.LowerRight);
        Save(plot, path, width, height);
    }

    /// <summary>
    /// The confusion matrix as a heat map: rows are the true class (first at the top), columns the predicted class;
    /// each cell shows its count and the fraction of its row, and is coloured by that fraction (recall on the
    /// diagonal), so classes of different sizes read alike. The colour bar spans 0 to 1.
    /// </summary>
    /// <param name="counts">counts[true][predicted].</param>
    /// <param name="classNames">Class names, one per row and column.</param>
    /// <param name="path">PNG file to write.</param>
    /// <param name="title">Plot title.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <exception cref="ArgumentException">The matrix is not square of the class count, or has negative counts.</exception>
    /// <exception cref="PlotRenderingException">No font is installed.</exception>
    public static void ConfusionMatrix(IReadOnlyList<IReadOnlyList<int>> counts, IReadOnlyList<string> classNames, string path,
        string title = "Confusion matrix", int width = DefaultWidth, int height = 700)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(classNames);
        int k = classNames.Count;
        if (k == 0 || counts.Count != k || counts.Any(r => r.Count != k))
            throw new ArgumentException($"the confusion matrix must be {k} x {k} for {k} classes", nameof(counts));
        if (counts.Any(r => r.Any(c => c < 0))) throw new ArgumentException("counts must not be negative", nameof(counts));
        var plot = NewPlot(title, "Predicted class", "True class");
        var fractions = new double[k, k];
        for (int i = 0; i < k; i++)
        {
            int row = counts[i].Sum();
            for (int j = 0; j < k; j++) fractions[i, j] = row == 0 ? double.NaN : (double)counts[i][j] / row;
        }
        var heatmap = plot.Add.Heatmap(fractions);
        // ScottPlot's Blues runs dark to light; reversed, a higher fraction is a darker cell.
        heatmap.Colormap = new ReversedColormap(new ScottPlot.Colormaps.Blues());
        heatmap.ManualRange = new ScottPlot.Range(0, 1);
        heatmap.NaNCellColor = Colors.LightGray;
        // Cell (i, j) centred on x = j, y = k - 1 - i: row 0 (the first class) at the top, as in the Markdown table.
        heatmap.Rectangle = new CoordinateRect(-0.5, k - 0.5, -0.5, k - 0.5);
        var bar = plot.Add.ColorBar(heatmap);
        bar.Label = "Fraction of the true class";
        bar.LabelStyle.FontSize = 16;
        Ticks(bar.Axis, 0, 1, 0.2);
        bar.Axis.TickLabelStyle.FontSize = 14;
        float fontSize = k <= 4 ? 18 : k <= 7 ? 14 : 11;
        for (int i = 0; i < k; i++)
        {
            int row = counts[i].Sum();
            for (int j = 0; j < k; j++)
            {
                string text = row == 0 ? "0" : $"{counts[i][j]}\n{100.0 * counts[i][j] / row:F0}%";
                var label = plot.Add.Text(text, j, k - 1 - i);
                label.LabelAlignment = Alignment.MiddleCenter;
                label.LabelFontSize = fontSize;
                label.LabelBold = i == j;
                // Dark cells get white text.
                label.LabelFontColor = !double.IsNaN(fractions[i, j]) && fractions[i, j] > 0.5 ? Colors.White : Colors.Black;
            }
        }
        var positions = Enumerable.Range(0, k).Select(j => (double)j).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, classNames.ToArray());
        // Row labels carry the class size, so an empty (grey) row reads as "no images" rather than as a failure.
        var rowLabels = Enumerable.Range(0, k).Select(i => $"{classNames[i]} (n={counts[i].Sum()})").ToArray();
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions.Select(p => k - 1 - p).ToArray(), rowLabels);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 16;
        plot.Axes.Left.TickLabelStyle.FontSize = 16;
        plot.Axes.SetLimits(-0.5, k - 0.5, -0.5, k - 0.5);
        plot.Grid.IsVisible = false;
        Save(plot, path, width, height);
    }

    /// <summary>
    /// One line per loss term over optimiser steps. A repeated (term, step) keeps its last value (a resumed run logs
    /// steps again); non-finite values leave a gap. The term <see cref="LossLogs.TotalTerm"/> is drawn thicker in black.
    /// With <paramref name="guides"/>, each term's chance level is a dashed line in its colour and each marker a grey
    /// vertical line, both named in the legend.
    /// </summary>
    /// <param name="points">(term, step, value) triples in any order.</param>
    /// <param name="path">PNG file to write.</param>
    /// <param name="title">Plot title.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="yLabel">Label of the value axis (other per-step quantities, e.g. a validation metric, plot the same way).</param>
    /// <param name="guides">Chance lines and step markers to draw; null draws the curves alone.</param>
    /// <exception cref="ArgumentException">No finite value to draw.</exception>
    /// <exception cref="PlotRenderingException">No font is installed.</exception>
    public static void LossCurves(IEnumerable<(string Term, long Step, double Value)> points, string path,
        string title = "Training loss", int width = DefaultWidth, int height = DefaultHeight, string yLabel = "Loss", LossPlotGuides? guides = null) =>
        Save(BuildLossCurves(points, title, yLabel, guides), path, width, height);

    /// <summary>The plot <see cref="LossCurves"/> saves (tests read its plottables).</summary>
    internal static Plot BuildLossCurves(IEnumerable<(string Term, long Step, double Value)> points, string title, string yLabel, LossPlotGuides? guides)
    {
        ArgumentNullException.ThrowIfNull(points);
        var terms = new Dictionary<string, SortedDictionary<long, double>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var (term, step, value) in points)
        {
            if (!terms.TryGetValue(term, out var series))
            {
                terms[term] = series = new SortedDictionary<long, double>();
                order.Add(term);
            }
            series[step] = value;
        }
        if (!terms.Values.Any(s => s.Values.Any(double.IsFinite))) throw new ArgumentException("no finite loss value to draw", nameof(points));
        var plot = NewPlot(title, "Optimiser step", yLabel);
        var colours = new Dictionary<string, Color>(StringComparer.Ordinal);
        int colour = 0;
        // The total last, so it is drawn over its terms.
        foreach (string term in order.OrderBy(t => t == LossLogs.TotalTerm))
        {
            var series = terms[term];
            var xs = series.Keys.Select(s => (double)s).ToArray();
            var ys = series.Values.Select(v => double.IsFinite(v) ? v : double.NaN).ToArray();
            if (!ys.Any(double.IsFinite)) continue;
            var line = plot.Add.ScatterLine(xs, ys);
            line.LegendText = term;
            bool total = term == LossLogs.TotalTerm;
            line.Color = colours[term] = total ? Colors.Black : Palette.GetColor(colour++);
            line.LineWidth = total ? 3 : 2;
            // A single step would be an invisible zero-length line: show it as a marker.
            line.MarkerSize = xs.Length == 1 ? 8 : 0;
        }
        if (guides is not null)
        {
            // One stepped dashed line per term through its ranges, in the order the curves were drawn.
            foreach (var group in guides.ChanceLines.Where(c => double.IsFinite(c.Value)).GroupBy(c => c.Term, StringComparer.Ordinal))
            {
                var xs = new List<double>();
                var ys = new List<double>();
                foreach (var range in group.OrderBy(c => c.FromStep))
                {
                    xs.AddRange([range.FromStep, range.ToStep]);
                    ys.AddRange([range.Value, range.Value]);
                }
                var chance = plot.Add.ScatterLine(xs.ToArray(), ys.ToArray());
                chance.Color = colours.TryGetValue(group.Key, out var c) ? c.WithAlpha(0.8) : Colors.Gray;
                chance.LinePattern = LinePattern.Dashed;
                chance.LineWidth = 1.5f;
                chance.MarkerSize = 0;
                var values = group.Select(r => r.Value).Distinct().Select(v => v.ToString("F2", CultureInfo.InvariantCulture));
                chance.LegendText = $"{group.Key} at chance ({string.Join(" -> ", values)})";
            }
            foreach (var marker in guides.Markers)
            {
                var line = plot.Add.VerticalLine(marker.Step);
                line.Color = Colors.DimGray;
                line.LinePattern = LinePattern.Dotted;
                line.LineWidth = 2;
                line.LegendText = marker.Label;
            }
        }
        // Outside the data area, so it never hides a curve or a cluster.
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    /// <summary>Loss curves from a long-form CSV (<c>step,elapsed_s,lr,term,value</c>; see <see cref="LossLogs.ReadCsv"/>).</summary>
    /// <exception cref="ReportDataException">The CSV is missing or malformed, or has no finite value.</exception>
    /// <exception cref="PlotRenderingException">No font is installed.</exception>
    public static void LossCurvesFromCsv(string csvPath, string pngPath, string title = "Training loss", int width = DefaultWidth, int height = DefaultHeight) =>
        LossCurvesFromFile(csvPath, LossLogs.ReadCsv(csvPath), pngPath, title, width, height);

    /// <summary>Loss curves from a <c>mama pretrain</c> JSON-lines log (see <see cref="LossLogs.ReadTrainingLog"/>).</summary>
    /// <exception cref="ReportDataException">The log is missing or malformed, or has no finite loss.</exception>
    /// <exception cref="PlotRenderingException">No font is installed.</exception>
    /// <param name="logPath">The training log.</param>
    /// <param name="pngPath">PNG file to write.</param>
    /// <param name="title">Plot title.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="guides">Chance lines and step markers to draw; null draws the curves alone.</param>
    public static void LossCurvesFromTrainingLog(string logPath, string pngPath, string title = "Pretraining loss", int width = DefaultWidth, int height = DefaultHeight,
        LossPlotGuides? guides = null) =>
        LossCurvesFromFile(logPath, LossLogs.ReadTrainingLog(logPath), pngPath, title, width, height, guides);

    /// <summary>
    /// The embeddings projected on their first two principal components, one colour per class; the axis titles give
    /// each component's share of the variance. Returns the projection.
    /// </summary>
    /// <param name="embeddings">One embedding per image, all of one width.</param>
    /// <param name="labels">Class index of each embedding.</param>
    /// <param name="classNames">Class names (legend), indexed by label.</param>
    /// <param name="path">PNG file to write.</param>
    /// <param name="title">Plot title.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <exception cref="ArgumentException">Counts differ, a label is not a class index, or fewer than two embeddings.</exception>
    /// <exception cref="PlotRenderingException">No font is installed.</exception>
    public static PrincipalComponentProjection EmbeddingMap(IReadOnlyList<float[]> embeddings, IReadOnlyList<int> labels, IReadOnlyList<string> classNames,
        string path, string title = "Image embeddings (PCA)", int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        if (labels.Count != embeddings.Count) throw new ArgumentException($"{embeddings.Count} embeddings but {labels.Count} labels", nameof(labels));
        for (int i = 0; i < labels.Count; i++)
            if (labels[i] < 0 || labels[i] >= classNames.Count) throw new ArgumentOutOfRangeException(nameof(labels), $"label {labels[i]} of row {i} is not a class index below {classNames.Count}");
        var projection = PrincipalComponents.Project(embeddings, Math.Min(2, embeddings[0].Length));
        var plot = NewPlot(title,
            $"PC1 ({Percent(projection.ExplainedVarianceRatio(0))} of variance)",
            projection.Variances.Length > 1 ? $"PC2 ({Percent(projection.ExplainedVarianceRatio(1))} of variance)" : "PC2 (none: one dimension)");
        for (int c = 0; c < classNames.Count; c++)
        {
            var rows = Enumerable.Range(0, labels.Count).Where(i => labels[i] == c).ToList();
            if (rows.Count == 0) continue;
            var xs = rows.Select(i => projection.Coordinates[i][0]).ToArray();
            var ys = rows.Select(i => projection.Coordinates[i].Length > 1 ? projection.Coordinates[i][1] : 0).ToArray();
            var points = plot.Add.ScatterPoints(xs, ys);
            points.Color = Palette.GetColor(c).WithAlpha(0.8);
            points.MarkerSize = 9;
            points.LegendText = $"{classNames[c]} (n={rows.Count})";
        }
        // Outside the data area, so it never hides a curve or a cluster.
        plot.ShowLegend(Edge.Right);
        Save(plot, path, width, height);
        return projection;
    }

    private static void LossCurvesFromFile(string source, IReadOnlyList<(string Term, long Step, double Value)> points, string pngPath, string title, int width, int height,
        LossPlotGuides? guides = null)
    {
        if (!points.Any(p => double.IsFinite(p.Value))) throw new ReportDataException(source, "no finite loss value to plot");
        LossCurves(points, pngPath, title, width, height, guides: guides);
    }

    private static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        PlotFonts.Apply(plot);
        plot.Title(title, size: 20);
        plot.XLabel(xLabel, size: 16);
        plot.YLabel(yLabel, size: 16);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 14;
        plot.Axes.Left.TickLabelStyle.FontSize = 14;
        plot.Legend.FontSize = 14;
        return plot;
    }

    private static void Ticks(IAxis axis, double from, double to, double step)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (double v = from; v <= to + step / 2; v += step) ticks.AddMajor(v, v.ToString("0.0", CultureInfo.InvariantCulture));
        axis.TickGenerator = ticks;
    }

    private static void Save(Plot plot, string path, int width, int height)
    {
        if (width < 100 || height < 100) throw new ArgumentOutOfRangeException(nameof(width), $"a plot must be at least 100 x 100 pixels, got {width} x {height}");
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        plot.SavePng(full, width, height);
    }

    private static string Format(double value) => double.IsNaN(value) ? "n/a" : value.ToString("F3", CultureInfo.InvariantCulture);

    private static string Percent(double ratio) => double.IsNaN(ratio) ? "n/a" : (100 * ratio).ToString("F1", CultureInfo.InvariantCulture) + "%";
}
