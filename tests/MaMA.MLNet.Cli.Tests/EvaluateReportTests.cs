using System.Text.Json;
using MaMA.MLNet.Cli.Commands;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MaMA.MLNet.Cli.Tests;

[TestClass]
public sealed class EvaluateReportTests
{
    private static (int Code, string Output, string Error) CaptureBoth(ICliCommand command, params string[] args)
    {
        var (savedOut, savedError) = (Console.Out, Console.Error);
        var (output, error) = (new StringWriter(), new StringWriter());
        Console.SetOut(output);
        Console.SetError(error);
        try { return (CliFixture.Invoke(command, args), output.ToString(), error.ToString()); }
        finally { Console.SetOut(savedOut); Console.SetError(savedError); }
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (string folder in Directory.GetDirectories(from)) CopyFolder(folder, Path.Combine(to, Path.GetFileName(folder)));
    }

    /// <summary>Asserts the PNG decodes (ImageSharp) to the size and has more than a few colours.</summary>
    private static void AssertPng(string path, int width, int height)
    {
        Assert.IsTrue(File.Exists(path), path);
        using var image = Image.Load<Rgba32>(path);
        Assert.AreEqual((width, height), (image.Width, image.Height), path);
        var colours = new HashSet<uint>();
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y += 2)
                foreach (var p in rows.GetRowSpan(y)) colours.Add(p.PackedValue);
        });
        Assert.IsGreaterThan(20, colours.Count, $"{path} looks blank");
    }

    [TestMethod]
    public void TheReportLinksEachPlotAndThePngsDecode()
    {
        string root = Directory.CreateTempSubdirectory("mama-eval-report-").FullName;
        try
        {
            // A model folder laid out as mama pretrain writes it: OUT/model and OUT/training-log.jsonl.
            string model = Path.Combine(root, "run", "model");
            CopyFolder(CliFixture.Model, model);
            File.WriteAllLines(Path.Combine(root, "run", "training-log.jsonl"),
            [
                """{"type":"train","step":1,"losses":{"clip":2.1,"simclr":1.9},"total":4.0,"lr":0.001}""",
                """{"type":"train","step":2,"losses":{"clip":2.0,"simclr":1.7},"total":3.7,"lr":0.001}""",
            ]);
            string report = Path.Combine(root, "out", "density report.md");
            Directory.CreateDirectory(Path.GetDirectoryName(report)!);
            var (code, output, error) = CaptureBoth(new EvaluateCommand(), "evaluate", "--model", model, "--manifest", CliFixture.Manifest, "--task", "density", "--json", "--report", report);
            Assert.AreEqual(ExitCodes.Success, code, output + error);

            string markdown = File.ReadAllText(report);
            foreach (var (heading, suffix) in new[] { ("ROC curves", "roc"), ("Confusion matrix", "confusion"), ("Pretraining loss", "loss"), ("Image embeddings (PCA)", "embeddings") })
            {
                // Linked relative to the report, the space escaped.
                StringAssert.Contains(markdown, $"![{heading}](density%20report-{suffix}.png)");
                Assert.IsTrue(File.Exists(Path.Combine(root, "out", $"density report-{suffix}.png")), suffix);
            }
            AssertPng(Path.Combine(root, "out", "density report-roc.png"), 700, 700);
            AssertPng(Path.Combine(root, "out", "density report-confusion.png"), 800, 700);
            AssertPng(Path.Combine(root, "out", "density report-loss.png"), 800, 600);
            AssertPng(Path.Combine(root, "out", "density report-embeddings.png"), 800, 600);
            StringAssert.Contains(markdown, "The first two principal components hold");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public void WithoutATrainingLogTheLossPlotIsSkippedWithANote()
    {
        string root = Directory.CreateTempSubdirectory("mama-eval-nolog-").FullName;
        try
        {
            string report = Path.Combine(root, "report.md");
            var (code, output, error) = CaptureBoth(new EvaluateCommand(), "evaluate", "--model", CliFixture.Model, "--manifest", CliFixture.Manifest, "--task", "density", "--report", report);
            Assert.AreEqual(ExitCodes.Success, code, output + error);
            string markdown = File.ReadAllText(report);
            StringAssert.Contains(markdown, "### Pretraining loss");
            StringAssert.Contains(markdown, "Not drawn: no training-log.jsonl in the model folder or its parent.");
            Assert.IsFalse(File.Exists(Path.Combine(root, "report-loss.png")));
            StringAssert.Contains(markdown, "![ROC curves](report-roc.png)");
            Assert.IsTrue(File.Exists(Path.Combine(root, "report-roc.png")));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public void NoPlotsWritesTheMarkdownAlone()
    {
        string root = Directory.CreateTempSubdirectory("mama-eval-noplots-").FullName;
        try
        {
            string report = Path.Combine(root, "report.md");
            var (code, output, error) = CaptureBoth(new EvaluateCommand(), "evaluate", "--model", CliFixture.Model, "--manifest", CliFixture.Manifest, "--report", report, "--no-plots");
            Assert.AreEqual(ExitCodes.Success, code, output + error);
            Assert.IsFalse(File.ReadAllText(report).Contains("## Plots", StringComparison.Ordinal));
            CollectionAssert.AreEqual(new[] { report }, Directory.GetFiles(root));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public void JsonOnStandardOutputStaysCleanWhileProgressGoesToStandardError()
    {
        foreach (var (command, name) in new (ICliCommand, string)[] { (new EvaluateCommand(), "evaluate"), (new ZeroShotCommand(), "zeroshot") })
        {
            var (code, output, error) = CaptureBoth(command, name, "--model", CliFixture.Model, "--manifest", CliFixture.Manifest, "--task", "density", "--json");
            Assert.AreEqual(ExitCodes.Success, code, output + error);
            // The whole of standard output is one JSON document.
            using var json = JsonDocument.Parse(output);
            Assert.AreEqual(16, json.RootElement.GetProperty("count").GetInt32());
            var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
            Assert.IsTrue(lines.Any(l => l.StartsWith("progress stage=embed-images done=16 total=16 percent=100.0 elapsed_s=", StringComparison.Ordinal)
                && l.EndsWith(" state=done", StringComparison.Ordinal)), error);
            Assert.IsFalse(output.Contains("progress stage=", StringComparison.Ordinal));
        }
    }
}
