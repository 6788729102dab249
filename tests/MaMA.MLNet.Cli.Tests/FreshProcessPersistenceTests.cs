using System.Diagnostics;
using System.Globalization;
using MaMA.MLNet.Cli.Commands;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Preprocessing;
using MaMA.MLNet.Modeling.MaMA;
using Microsoft.ML;

namespace MaMA.MLNet.Cli.Tests;

/// <summary>
/// A pipeline saved with SaveMaMA is loaded by another process (<c>dotnet mama.dll predict</c>) and predicts exactly
/// what the saving process predicted: nothing the file needs lives only in the saving process.
/// </summary>
[TestClass]
public sealed class FreshProcessPersistenceTests
{
    private sealed class Row
    {
        public string Path { get; set; } = "";
        public string Label { get; set; } = "";
    }

    private sealed class Scored
    {
        public string Path { get; set; } = "";
        public float[] Score { get; set; } = [];
        public uint PredictedLabel { get; set; }
    }

    [TestMethod]
    public void ASavedEmbeddingPlusTrainerPipelinePredictsIdenticallyInAChildProcess()
    {
        var records = MammogramManifestReader.Read(CliFixture.Manifest).Records;
        var rows = records.Select(r => new Row { Path = r.ImagePath, Label = r.Density is { } d ? "ABCD"[d - 1].ToString() : "?" }).ToList();
        int imageSize = MaMAConfig.FromJson(File.ReadAllText(Path.Combine(CliFixture.Model, MaMAModelDirectory.ConfigFile))).Vision.ImageSize;

        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(rows);
        // The label is keyed outside the saved pipeline, so the saved file needs only a Path column.
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
        var loader = new LoadMammogramsOptions { Preprocessing = new PreprocessingOptions { ImageSize = imageSize } };
        var model = ml.Transforms.LoadMammograms("Image", "Path", loader)
            .Append(ml.Transforms.MaMAImageEmbedding(CliFixture.Model, "Embedding", "Image"))
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy("Label", "Embedding", l1Regularization: 0, l2Regularization: 1e-4f))
            .Fit(keyed);
        string file = Path.Combine(CliFixture.Directory, "fresh-" + Guid.NewGuid().ToString("N")[..8] + ".mama.zip");
        ml.Model.SaveMaMA(model, keyed.Schema, file);
        var expected = ml.Data.CreateEnumerable<Scored>(model.Transform(keyed), reuseRowObject: false).ToList();

        var lines = RunChild("predict", "--model", file, "--manifest", CliFixture.Manifest);
        Assert.HasCount(expected.Count, lines);
        for (int i = 0; i < expected.Count; i++)
        {
            var fields = lines[i].Split('\t');
            Assert.AreEqual(expected[i].Path, fields[0]);
            Assert.AreEqual(expected[i].PredictedLabel.ToString(CultureInfo.InvariantCulture), fields[1], $"row {i}");
            var scores = fields[2].Split(',').Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            // Equal to float rounding: ML.NET's SIMD dot products may sum separately allocated buffers in another order.
            Assert.HasCount(expected[i].Score.Length, scores);
            for (int k = 0; k < scores.Length; k++) Assert.AreEqual(expected[i].Score[k], scores[k], 1e-6f, $"row {i}, class {k}");
        }
        Assert.IsGreaterThan(1, expected.Select(e => string.Join(",", e.Score)).Distinct().Count(), "rows get different scores");
    }

    [TestMethod]
    public void PredictRefusesAMissingOrForeignModelFile()
    {
        var saved = Console.Error;
        Console.SetError(new StringWriter());
        try
        {
            string missing = Path.Combine(CliFixture.Directory, "none.mama.zip");
            Assert.AreEqual(ExitCodes.BadInput, CliFixture.Invoke(new PredictCommand(), "predict", "--model", missing, "--manifest", CliFixture.Manifest));
            string foreign = Path.Combine(CliFixture.Directory, "foreign.mama.zip");
            File.WriteAllText(foreign, "not a zip");
            Assert.AreEqual(ExitCodes.BadInput, CliFixture.Invoke(new PredictCommand(), "predict", "--model", foreign, "--manifest", CliFixture.Manifest));
        }
        finally
        {
            Console.SetError(saved);
        }
    }

    // mama.dll is copied next to this test assembly (project reference); run it with the same dotnet host.
    private static string[] RunChild(params string[] args)
    {
        string mama = Path.Combine(AppContext.BaseDirectory, "mama.dll");
        Assert.IsTrue(File.Exists(mama), mama);
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(mama);
        foreach (string a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode, stderr.Result);
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
    }
}
