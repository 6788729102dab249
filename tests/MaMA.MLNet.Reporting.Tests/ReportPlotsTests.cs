namespace MaMA.MLNet.Reporting.Tests;

[TestClass]
public sealed class ReportPlotsTests
{
    private static readonly RocCurve Good = new("A", [0, 0, 0.5, 1], [0, 0.5, 1, 1], 0.875);

    [TestMethod]
    public void RocIsAPngOfTheRequestedSizeWithATitle()
    {
        using var folder = new TempFolder();
        string png = folder.File("sub/roc.png");
        ReportPlots.Roc([Good, new RocCurve("B", [0, 1], [0, 1], double.NaN)], png, "ROC", 520, 480);
        PngChecks.AssertPlot(png, 520, 480);
    }

    [TestMethod]
    public void TextIsDrawn()
    {
        // Without a usable font SkiaSharp draws no text and reports nothing: two titles would give one image.
        Assert.IsFalse(string.IsNullOrWhiteSpace(PlotFonts.Name));
        using var folder = new TempFolder();
        ReportPlots.Roc([Good], folder.File("short.png"), "ROC", 400, 400);
        ReportPlots.Roc([Good], folder.File("long.png"), "ROC of a much longer title", 400, 400);
        Assert.IsGreaterThan(300L, PngChecks.DifferingPixelsInRows(folder.File("short.png"), folder.File("long.png"), 0, 40));
    }

    [TestMethod]
    public void RocRefusesRatesOutsideTheUnitSquareOrOfDifferentLengths()
    {
        using var folder = new TempFolder();
        Assert.ThrowsExactly<ArgumentException>(() => ReportPlots.Roc([], folder.File("a.png")));
        Assert.ThrowsExactly<ArgumentException>(() => ReportPlots.Roc([new RocCurve("x", [0, 1.5], [0, 1], 0.5)], folder.File("a.png")));
        Assert.ThrowsExactly<ArgumentException>(() => ReportPlots.Roc([new RocCurve("x", [0, 1], [0], 0.5)], folder.File("a.png")));
        Assert.IsFalse(File.Exists(folder.File("a.png")));
    }

    [TestMethod]
    public void ConfusionMatrixIsAPngAndAnEmptyRowIsAllowed()
    {
        using var folder = new TempFolder();
        string png = folder.File("cm.png");
        ReportPlots.ConfusionMatrix([[5, 1, 0], [2, 7, 1], [0, 0, 0]], ["A", "B", "C"], png, width: 640, height: 560);
        PngChecks.AssertPlot(png, 640, 560);
        Assert.ThrowsExactly<ArgumentException>(() => ReportPlots.ConfusionMatrix([[1, 2], [3, 4]], ["A", "B", "C"], folder.File("x.png")));
        Assert.ThrowsExactly<ArgumentException>(() => ReportPlots.ConfusionMatrix([[1, -2], [3, 4]], ["A", "B"], folder.File("x.png")));
    }

    [TestMethod]
    public void LossCurvesFromTuplesCsvAndTrainingLogArePngs()
    {
        using var folder = new TempFolder();
        var points = Enumerable.Range(1, 50).SelectMany(s => new[] { ("clip", (long)s, 3.0 / s), ("local", (long)s, s == 10 ? double.NaN : 1.0 / s) });
        ReportPlots.LossCurves(points, folder.File("tuples.png"), width: 600, height: 400);
        PngChecks.AssertPlot(folder.File("tuples.png"), 600, 400);

        string csv = folder.File("loss.csv");
        File.WriteAllLines(csv, new[] { "step,elapsed_s,lr,term,value" }.Concat(Enumerable.Range(1, 20).Select(s => $"{s},{s * 0.5},0.001,clip,{4.0 / s}")));
        ReportPlots.LossCurvesFromCsv(csv, folder.File("csv.png"));
        PngChecks.AssertPlot(folder.File("csv.png"), ReportPlots.DefaultWidth, ReportPlots.DefaultHeight);

        string log = folder.File("training-log.jsonl");
        File.WriteAllLines(log, ["""{"type":"train","step":1,"losses":{"clip":3.0,"simclr":2.0},"total":5.0}""", """{"type":"train","step":2,"losses":{"clip":2.0,"simclr":1.5},"total":3.5}"""]);
        ReportPlots.LossCurvesFromTrainingLog(log, folder.File("log.png"));
        PngChecks.AssertPlot(folder.File("log.png"), ReportPlots.DefaultWidth, ReportPlots.DefaultHeight);
    }

    [TestMethod]
    public void ChanceLinesAreDashedInTheirTermsColourAndMarkersAreVerticalLines()
    {
        var points = Enumerable.Range(1, 20).SelectMany(s => s <= 10
            ? new[] { ("clip", (long)s, 3.0 / s) }
            : new[] { ("clip", (long)s, 3.0 / s), ("local", (long)s, 5.0 / s), (LossLogs.TotalTerm, (long)s, 8.0 / s) });
        var guides = new LossPlotGuides
        {
            ChanceLines = [new("clip", 1, 20, 2.77), new(LossLogs.TotalTerm, 1, 10, 2.77), new(LossLogs.TotalTerm, 11, 20, 8.32)],
            Markers = [new StepMarker(11, "late losses start at step 11")],
        };
        var plot = ReportPlots.BuildLossCurves(points, "loss", "Loss", guides);
        var lines = plot.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().ToList();
        var clip = lines.Single(l => l.LegendText == "clip");
        var clipChance = lines.Single(l => l.LegendText == "clip at chance (2.77)");
        Assert.AreEqual(ScottPlot.LinePattern.Dashed, clipChance.LinePattern);
        Assert.AreEqual(clip.Color.WithAlpha(0.8), clipChance.Color);
        var clipPoints = clipChance.Data.GetScatterPoints();
        Assert.AreEqual(1.0, clipPoints[0].X);
        Assert.AreEqual(20.0, clipPoints[^1].X);
        Assert.IsTrue(clipPoints.All(p => p.Y == 2.77));
        // The total's chance steps up where the late term joins: one line through both ranges.
        var totalChance = lines.Single(l => l.LegendText == "total at chance (2.77 -> 8.32)");
        CollectionAssert.AreEqual(new[] { 1.0, 10, 11, 20 }, totalChance.Data.GetScatterPoints().Select(p => p.X).ToArray());
        CollectionAssert.AreEqual(new[] { 2.77, 2.77, 8.32, 8.32 }, totalChance.Data.GetScatterPoints().Select(p => p.Y).ToArray());
        var marker = plot.GetPlottables().OfType<ScottPlot.Plottables.VerticalLine>().Single();
        Assert.AreEqual(11.0, marker.X);
        Assert.AreEqual("late losses start at step 11", marker.LegendText);

        // Without guides: the curves alone.
        var bare = ReportPlots.BuildLossCurves(points, "loss", "Loss", guides: null);
        Assert.HasCount(3, bare.GetPlottables().ToList());
        Assert.IsEmpty(bare.GetPlottables().OfType<ScottPlot.Plottables.VerticalLine>().ToList());

        using var folder = new TempFolder();
        ReportPlots.LossCurves(points, folder.File("guides.png"), guides: guides);
        PngChecks.AssertPlot(folder.File("guides.png"), ReportPlots.DefaultWidth, ReportPlots.DefaultHeight);
    }

    [TestMethod]
    public void LossCurvesWithoutAFiniteValueAreRefused()
    {
        using var folder = new TempFolder();
        Assert.ThrowsExactly<ArgumentException>(() => ReportPlots.LossCurves([("clip", 1L, double.NaN)], folder.File("x.png")));
        string csv = folder.File("nan.csv");
        File.WriteAllLines(csv, ["step,term,value", "1,clip,NaN"]);
        StringAssert.Contains(Assert.ThrowsExactly<ReportDataException>(() => ReportPlots.LossCurvesFromCsv(csv, folder.File("x.png"))).Message, csv);
    }

    [TestMethod]
    public void EmbeddingMapPlotsTheFirstTwoComponents()
    {
        using var folder = new TempFolder();
        var random = new Random(4);
        var embeddings = Enumerable.Range(0, 40).Select(i => Enumerable.Range(0, 8).Select(j => (float)((j == i % 2 ? 2 : 0) + random.NextDouble())).ToArray()).ToList();
        var labels = Enumerable.Range(0, 40).Select(i => i % 2).ToList();
        var projection = ReportPlots.EmbeddingMap(embeddings, labels, ["benign", "cancer"], folder.File("map.png"), width: 700, height: 500);
        PngChecks.AssertPlot(folder.File("map.png"), 700, 500);
        Assert.HasCount(40, projection.Coordinates);
        // The class offset (2 along dimension 0 or 1) dominates the unit noise: PC1 separates the classes.
        double meanBenign = projection.Coordinates.Where((_, i) => labels[i] == 0).Average(c => c[0]);
        double meanCancer = projection.Coordinates.Where((_, i) => labels[i] == 1).Average(c => c[0]);
        Assert.IsGreaterThan(2.0, Math.Abs(meanBenign - meanCancer));
        Assert.ThrowsExactly<ArgumentException>(() => ReportPlots.EmbeddingMap(embeddings, labels.Take(3).ToList(), ["a", "b"], folder.File("x.png")));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ReportPlots.EmbeddingMap(embeddings, labels.Select(l => l + 1).ToList(), ["a", "b"], folder.File("x.png")));
    }
}
