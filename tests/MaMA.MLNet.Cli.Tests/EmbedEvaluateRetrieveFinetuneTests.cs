using System.Globalization;
using System.Text.Json;
using MaMA.MLNet.Cli.Commands;
using MaMA.MLNet.Data.Manifest;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.Cli.Tests;

[TestClass]
public sealed class EmbedEvaluateRetrieveFinetuneTests
{
    private static (string Dir, string Manifest, string Model) Fixture => (CliFixture.Directory, CliFixture.Manifest, CliFixture.Model);

    private static int Invoke(ICliCommand command, params string[] args) => CliFixture.Invoke(command, args);

    private static (int Code, string Output) Capture(ICliCommand command, params string[] args) => CliFixture.Capture(command, args);

    [TestMethod]
    public void EmbedWritesOneUnitLengthRowPerImage()
    {
        var (dir, manifest, model) = Fixture;
        string csv = Path.Combine(dir, "embeddings.csv");
        var (code, output) = Capture(new EmbedCommand(), "embed", "--model", model, "--manifest", manifest, "--out", csv);
        Assert.AreEqual(ExitCodes.Success, code, output);
        var lines = File.ReadAllLines(csv);
        var records = MammogramManifestReader.Read(manifest).Records;
        Assert.HasCount(records.Count + 1, lines);
        var header = lines[0].Split(',');
        CollectionAssert.AreEqual(new[] { "path", "study_id", "patient_id", "view", "laterality", "e0" }, header.Take(6).ToArray());
        foreach (var (line, record) in lines.Skip(1).Zip(records))
        {
            var fields = line.Split(',');
            Assert.HasCount(header.Length, fields);
            Assert.AreEqual(record.ImagePath, fields[0]);
            Assert.IsTrue(File.Exists(fields[0]), fields[0]);
            Assert.AreEqual(record.StudyId, fields[1]);
            Assert.AreEqual(record.PatientId, fields[2]);
            Assert.AreEqual(record.View ?? "", fields[3]);
            double norm = Math.Sqrt(fields.Skip(5).Sum(f => Math.Pow(double.Parse(f, CultureInfo.InvariantCulture), 2)));
            Assert.AreEqual(1.0, norm, 1e-4);
        }
    }

    [TestMethod]
    public void EvaluatePrintsMetricsAndWritesAMarkdownReport()
    {
        var (dir, manifest, model) = Fixture;
        string report = Path.Combine(dir, "report.md");
        var (code, output) = Capture(new EvaluateCommand(), "evaluate", "--model", model, "--manifest", manifest, "--task", "density", "--json", "--report", report);
        Assert.AreEqual(ExitCodes.Success, code, output);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        int count = root.GetProperty("count").GetInt32();
        var matrix = root.GetProperty("confusionMatrix");
        Assert.AreEqual(4, matrix.GetArrayLength());
        Assert.AreEqual(count, matrix.EnumerateArray().Sum(row => row.EnumerateArray().Sum(c => c.GetInt32())));
        // Balanced accuracy is the mean recall over classes that have images, recomputed here from the matrix.
        var rows = matrix.EnumerateArray().Select(r => r.EnumerateArray().Select(c => c.GetInt32()).ToArray()).ToArray();
        var recalls = Enumerable.Range(0, 4).Where(c => rows[c].Sum() > 0).Select(c => (double)rows[c][c] / rows[c].Sum()).ToList();
        Assert.AreEqual(recalls.Average(), root.GetProperty("balancedAccuracy").GetDouble(), 1e-9);
        Assert.IsTrue(root.TryGetProperty("auc", out _));

        string markdown = File.ReadAllText(report);
        StringAssert.Contains(markdown, "# Zero-shot evaluation: density");
        // Each metric beside its chance level (balanced accuracy: 1 / the classes that occur) and a one-line reading.
        string chance = (1.0 / recalls.Count).ToString("F3", CultureInfo.InvariantCulture);
        StringAssert.Contains(markdown, "| Balanced accuracy | " + root.GetProperty("balancedAccuracy").GetDouble().ToString("F3", CultureInfo.InvariantCulture) + " | " + chance + " |");
        StringAssert.Contains(markdown, "| Macro AUC (one vs rest) | ");
        StringAssert.Contains(markdown, "Reading: density balanced accuracy");
        StringAssert.Contains(markdown, "| **A** | " + string.Join(" | ", rows[0]) + " |");
    }

    [TestMethod]
    public void RetrieveListsTheTopImagesInDescendingSimilarity()
    {
        var (_, manifest, model) = Fixture;
        var (code, output) = Capture(new RetrieveCommand(), "retrieve", "--model", model, "--manifest", manifest, "--query", "Extremely dense breast.", "--top", "3");
        Assert.AreEqual(ExitCodes.Success, code, output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(3, lines);
        var similarities = lines.Select(l => double.Parse(l.Split('\t')[1], CultureInfo.InvariantCulture)).ToArray();
        for (int i = 1; i < 3; i++) Assert.IsLessThanOrEqualTo(similarities[i - 1], similarities[i]);
        Assert.AreEqual(3, lines.Select(l => l.Split('\t')[2].Trim()).Distinct().Count());
        foreach (double s in similarities) Assert.IsTrue(s is >= -1.0001 and <= 1.0001);
    }

    [TestMethod]
    public void FinetuneSavesAModelFileThatLoadsAndScoresTheImages()
    {
        var (dir, manifest, model) = Fixture;
        string file = Path.Combine(dir, "density.mama.zip");
        var (code, output) = Capture(new FinetuneCommand(), "finetune", "--model", model, "--manifest", manifest, "--task", "density", "--mode", "probe",
            "--out", file, "--steps", "6", "--batch-size", "4");
        Assert.AreEqual(ExitCodes.Success, code, output);
        using var json = JsonDocument.Parse(output);
        Assert.AreEqual(6, json.RootElement.GetProperty("stepsRun").GetInt32());
        // Without --split it trains on the train split only: the other splits stay held out.
        int trainImages = MammogramManifestReader.Read(manifest).Records.Count(r => r.Split == DatasetSplit.Train && r.Density is not null);
        Assert.IsGreaterThan(0, trainImages);
        Assert.AreEqual(trainImages, json.RootElement.GetProperty("images").GetInt32());

        // predict --out writes a header and the class names.
        string predictions = Path.Combine(dir, "predictions.csv");
        var predict = CliProcess.Run("predict", "--model", file, "--manifest", manifest, "--out", predictions);
        Assert.AreEqual(ExitCodes.Success, predict.Code, predict.Describe());
        var lines = File.ReadAllLines(predictions);
        Assert.AreEqual("path,predicted,score_A,score_B,score_C,score_D", lines[0]);
        Assert.HasCount(1 + MammogramManifestReader.Read(manifest).Records.Count, lines);
        foreach (string line in lines.Skip(1)) CollectionAssert.Contains(new[] { "A", "B", "C", "D" }, line.Split(',')[1]);

        var ml = new MLContext(seed: 1);
        var loaded = ml.Model.LoadMaMA(file);
        var rows = MammogramManifestReader.Read(manifest).Records.Select(r => new PathRow { Path = r.ImagePath }).ToList();
        var scored = loaded.Transform(ml.Data.LoadFromEnumerable(rows));
        var keyValues = default(VBuffer<ReadOnlyMemory<char>>);
        scored.Schema["PredictedLabel"].GetKeyValues(ref keyValues);
        CollectionAssert.AreEqual(new[] { "A", "B", "C", "D" }, keyValues.DenseValues().Select(v => v.ToString()).ToArray());
        var scores = ml.Data.CreateEnumerable<ScoreRow>(scored, false).ToList();
        Assert.HasCount(rows.Count, scores);
        foreach (var row in scores)
        {
            Assert.AreEqual(1.0, row.Score.Sum(), 1e-5);
            Assert.AreEqual((uint)(Array.IndexOf(row.Score, row.Score.Max()) + 1), row.PredictedLabel);
        }
    }

    private sealed class PathRow
    {
        public string Path { get; set; } = "";
    }

    private sealed class ScoreRow
    {
        public float[] Score { get; set; } = [];
        public uint PredictedLabel { get; set; }
    }

    [TestMethod]
    public void BadInputGetsDistinctExitCodes()
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-such-" + Guid.NewGuid().ToString("N") + ".csv");
        var saved = Console.Error;
        Console.SetError(new StringWriter());
        try
        {
            Assert.AreEqual(ExitCodes.BadInput, Invoke(new EmbedCommand(), "embed", "--model", "m", "--manifest", missing, "--out", "x.csv"));
            Assert.AreEqual(ExitCodes.Usage, Invoke(new EvaluateCommand(), "evaluate", "--model", "m", "--manifest", missing, "--task", "shoe"));
            Assert.AreEqual(ExitCodes.Usage, Invoke(new RetrieveCommand(), "retrieve", "--model", "m", "--manifest", missing, "--query", "x", "--top", "0"));
            Assert.AreEqual(ExitCodes.Usage, Invoke(new FinetuneCommand(), "finetune", "--model", "m", "--manifest", missing, "--mode", "half", "--out", "x.zip"));
            Assert.AreEqual(ExitCodes.BadInput, Invoke(new FinetuneCommand(), "finetune", "--model", "m", "--manifest", missing, "--out", "x.zip"));
            var (_, manifest, _) = Fixture;
            Assert.AreEqual(ExitCodes.BadInput, Invoke(new EvaluateCommand(), "evaluate", "--model", Path.Combine(Path.GetTempPath(), "no-model-" + Guid.NewGuid().ToString("N")), "--manifest", manifest));
        }
        finally
        {
            Console.SetError(saved);
        }
    }
}
