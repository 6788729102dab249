using System.Globalization;
using System.Text.RegularExpressions;
using MaMA.MLNet.Cli.Commands;
using MaMA.MLNet.Cli.Reports;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Onnx;
using MaMA.MLNet.Reporting;
using Microsoft.Extensions.Time.Testing;
using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;

namespace MaMA.MLNet.Cli.Tests;

/// <summary>
/// What the training-side commands tell a person, through the commands as the tool runs them: chance lines and the
/// late-start marker of the loss plot, steps done out of planned and the budget warning, an ETA that honours
/// <c>--minutes</c> (on a fake clock), finetune's step progress, and its output going straight into export-onnx.
/// </summary>
[TestClass]
public sealed partial class TrainingOutputTests
{
    [GeneratedRegex("""^progress stage=(?<stage>\S+) done=(?<done>\d+)( total=(?<total>\d+) percent=[0-9.]+)? elapsed_s=(?<elapsed>[0-9.]+)( eta_s=(?<eta>[0-9.]+))?( state=(?<state>\w+))?""")]
    private static partial Regex ProgressLine();

    private static (int Code, string Output, string Error) Run(ICliCommand command, params string[] args)
    {
        var (savedOut, savedError) = (Console.Out, Console.Error);
        var (output, error) = (new StringWriter(), new StringWriter());
        Console.SetOut(output);
        Console.SetError(error);
        try { return (CliFixture.Invoke(command, args), output.ToString(), error.ToString()); }
        finally { Console.SetOut(savedOut); Console.SetError(savedError); }
    }

    private static string Temp(string name) => Path.Combine(CliFixture.Directory, name + "-" + Guid.NewGuid().ToString("N")[..8]);

    [TestMethod]
    public void EvaluateReportDrawsEachLossAtChanceAndMarksWhereTheLateLossesStart()
    {
        string root = Temp("eval-guides");
        string model = Path.Combine(root, "run", "model");
        CopyFolder(CliFixture.Model, model);
        // As the trainer logs a batch of 4 with the late terms switched on from step index 1: log step 2.
        string log = Path.Combine(root, "run", "training-log.jsonl");
        File.WriteAllLines(log,
        [
            """{"type":"train","step":1,"losses":{"image_text":2.9},"total":2.9,"batch_size":4}""",
            """{"type":"train","step":2,"losses":{"image_text":2.5,"multi_view":1.9,"second_view_text":2.6,"local_alignment":5.5},"total":12.5,"batch_size":4}""",
            """{"type":"train","step":3,"losses":{"image_text":1.2,"multi_view":1.8,"second_view_text":2.7,"local_alignment":5.0},"total":10.7,"batch_size":4}""",
            """{"type":"end","step":3,"total_steps":50,"stop_reason":"TimeBudgetReached","time_budget_minutes":0.5}""",
        ]);
        string report = Path.Combine(root, "report.md");
        var (code, output, error) = Run(new EvaluateCommand(), "evaluate", "--model", model, "--manifest", CliFixture.Manifest, "--task", "density", "--report", report);
        Assert.AreEqual(ExitCodes.Success, code, output + error);

        string markdown = File.ReadAllText(report);
        StringAssert.Contains(markdown, "![Pretraining loss](report-loss.png)");
        StringAssert.Contains(markdown, "Dashed lines: each loss at chance");
        StringAssert.Contains(markdown, "batch of 4");
        double ln4 = Math.Log(4);
        StringAssert.Contains(markdown, string.Create(CultureInfo.InvariantCulture, $"image_text 1.20 (below chance {2 * ln4:F2})"));
        StringAssert.Contains(markdown, string.Create(CultureInfo.InvariantCulture, $"second_view_text 2.70 (at chance {2 * ln4:F2})"));
        StringAssert.Contains(markdown, "late losses (multi_view, second_view_text, local_alignment) start at step 2");
        // Steps done of planned, and the warning that the budget cut the run short, from the log's end record.
        StringAssert.Contains(markdown, "Trained 3 of 50 planned steps (stopped: TimeBudgetReached).");
        StringAssert.Contains(markdown, "**Warning:** the time budget (--minutes 0.5) stopped training at step 3 of 50; the model is undertrained.");

        // What the plot draws, from the same log: each term at 2 ln B, ln(2B - 1) or 4 ln B; the total their sum per step.
        var guides = EvaluationPlots.LossGuidesOf(log);
        Assert.AreEqual(2L, guides.LateStartStep);
        var lines = guides.Plot.ChanceLines;
        Assert.AreEqual(new LossChanceLine("image_text", 1, 3, 2 * ln4), lines.Single(l => l.Term == "image_text"));
        Assert.AreEqual(new LossChanceLine("multi_view", 2, 3, Math.Log(7)), lines.Single(l => l.Term == "multi_view"));
        Assert.AreEqual(new LossChanceLine("local_alignment", 2, 3, 4 * ln4), lines.Single(l => l.Term == "local_alignment"));
        var total = lines.Where(l => l.Term == LossLogs.TotalTerm).OrderBy(l => l.FromStep).ToList();
        Assert.HasCount(2, total);
        Assert.AreEqual(new LossChanceLine(LossLogs.TotalTerm, 1, 1, 2 * ln4), total[0]);
        Assert.AreEqual(2, total[1].FromStep);
        Assert.AreEqual(2 * ln4 + Math.Log(7) + 2 * ln4 + 4 * ln4, total[1].Value, 1e-12);
        Assert.AreEqual(2.0, guides.Plot.Markers.Single().Step);
        Assert.IsTrue(File.Exists(Path.Combine(root, "report-loss.png")));
    }

    [TestMethod]
    public void PretrainUnderABudgetEstimatesByTheBudgetAndWarnsWhenItStopsTrainingShort()
    {
        // Every read of the fake clock moves it on one second: the 1-minute budget ends the run after a few steps,
        // whatever the machine's speed, while 1000 steps at that pace would take over an hour.
        var clock = new FakeTimeProvider { AutoAdvanceAmount = TimeSpan.FromSeconds(1) };
        string output = Temp("budget");
        var (code, stdout, stderr) = Run(new PretrainCommand(clock), "pretrain", "--manifest", CliFixture.Manifest, "--out", output,
            "--steps", "1000", "--minutes", "1", "--batch-size", "4", "--image-size", "28", "--late-start", "3", "--warmup", "1");
        Assert.AreEqual(ExitCodes.Success, code, stdout + stderr);

        var done = Regex.Match(stdout, @"Trained (\d+) of 1000 planned steps \(stopped: TimeBudgetReached\)\.");
        Assert.IsTrue(done.Success, stdout);
        int steps = int.Parse(done.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.IsTrue(steps is > 3 and < 1000, stdout);
        StringAssert.Contains(stdout, $"warning: the time budget (--minutes 1) stopped training at step {steps} of 1000; the model is undertrained.");
        // The full model path.
        StringAssert.Contains(stdout, $"Model: {Path.Combine(Path.GetFullPath(output), "model")}.");

        // Each running progress line's ETA is what the budget leaves, not the 1000 steps' hour.
        var running = stderr.Split('\n').Select(l => ProgressLine().Match(l.TrimEnd('\r')))
            .Where(m => m.Success && m.Groups["stage"].Value == "pretrain" && m.Groups["eta"].Success).ToList();
        Assert.IsNotEmpty(running, stderr);
        foreach (var m in running)
        {
            double eta = double.Parse(m.Groups["eta"].Value, CultureInfo.InvariantCulture);
            Assert.IsTrue(eta <= 60, $"eta {eta} s beyond the 60 s budget: {m.Value}");
        }

        // The log records the batch, and the late terms join where the trainer switches them on (--late-start 3: step 4).
        var guides = EvaluationPlots.LossGuidesOf(Path.Combine(output, "training-log.jsonl"));
        Assert.AreEqual(4L, guides.LateStartStep);
        Assert.AreEqual(2 * Math.Log(4), guides.Plot.ChanceLines.First(l => l.Term == "image_text").Value, 1e-12);
        // What evaluate --report says of this run, from its log alone.
        StringAssert.Contains(guides.Reading, $"Trained {steps} of 1000 planned steps (stopped: TimeBudgetReached).");
        StringAssert.Contains(guides.Reading, $"the time budget (--minutes 1) stopped training at step {steps} of 1000");
    }

    [TestMethod]
    public void FinetuneShowsStepProgressAndItsOutputExportsStraightToOnnxScoringAsTheTorchSharpPipeline()
    {
        string dir = Temp("finetune-onnx");
        Directory.CreateDirectory(dir);
        string file = Path.Combine(dir, "density.mama.zip");
        var (code, stdout, stderr) = Run(new FinetuneCommand(), "finetune", "--model", CliFixture.Model, "--manifest", CliFixture.Manifest,
            "--task", "density", "--mode", "probe", "--out", file, "--steps", "6", "--batch-size", "4");
        Assert.AreEqual(ExitCodes.Success, code, stdout + stderr);
        // Step progress as pretrain shows it: the stage counts the steps.
        var finished = stderr.Split('\n').Select(l => ProgressLine().Match(l.TrimEnd('\r')))
            .Single(m => m.Success && m.Groups["stage"].Value.StartsWith("fine-tune", StringComparison.Ordinal) && m.Groups["state"].Value == "done");
        Assert.AreEqual("6", finished.Groups["total"].Value, stderr);
        Assert.AreEqual("6", finished.Groups["done"].Value, stderr);

        string onnx = Path.Combine(dir, "density.onnx");
        var export = Run(new ExportOnnxCommand(), "export-onnx", "--model", file, "--part", "classifier", "--out", onnx);
        Assert.AreEqual(ExitCodes.Success, export.Code, export.Output + export.Error);
        StringAssert.Contains(export.Output, "classes: A, B, C, D");

        // The saved pipeline (TorchSharp) and the ONNX file (ONNX Runtime) on the same model-ready images.
        var ml = new MLContext(seed: 1);
        var pipeline = ml.Model.LoadMaMA(file);
        var rows = MammogramManifestReader.Read(CliFixture.Manifest).Records.Select(r => new PathRow { Path = r.ImagePath }).ToList();
        var scored = ml.Data.CreateEnumerable<ScoredRow>(pipeline.Transform(ml.Data.LoadFromEnumerable(rows)), reuseRowObject: false).ToList();
        Assert.HasCount(rows.Count, scored);
        int pixels = scored[0].Image.Length, side = (int)Math.Round(Math.Sqrt(pixels / 3.0));
        using var session = new InferenceSession(onnx);
        using var input = OrtValue.CreateTensorValueFromMemory(scored.SelectMany(r => r.Image).ToArray(), [scored.Count, 3, side, side]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [MamaOnnxExporter.PixelsInput], [input], [MamaOnnxExporter.ProbabilitiesOutput]);
        float[] probabilities = results[0].GetTensorDataAsSpan<float>().ToArray();
        Assert.HasCount(scored.Count * 4, probabilities);
        for (int r = 0; r < scored.Count; r++)
            for (int c = 0; c < 4; c++)
                Assert.AreEqual(scored[r].Score[c], probabilities[r * 4 + c], 1e-4, $"image {r}, class {c}");

        // Any other part of a pipeline file is a usage error that says what to give instead.
        var image = Run(new ExportOnnxCommand(), "export-onnx", "--model", file, "--part", "image", "--out", Path.Combine(dir, "x.onnx"));
        Assert.AreEqual(ExitCodes.Usage, image.Code);
        StringAssert.Contains(image.Error, "--part classifier");
    }

    [TestMethod]
    public void TheDemosDefaultOutputFolderIsGitIgnored()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "MaMA.MLNet.sln"))) root = Path.GetDirectoryName(root) ?? throw new AssertFailedException("no repository root above the test");
        // The folder the demo writes without --out, relative to where it runs (the repository root, as the README shows).
        var rule = File.ReadAllLines(Path.Combine(root, ".gitignore")).Select(l => l.Trim());
        CollectionAssert.Contains(rule.ToList(), $"/{DemoCommand.DefaultOutput}/");
        if (Environment.GetEnvironmentVariable("PATH")?.Split(':').Any(p => File.Exists(Path.Combine(p, "git"))) == true)
        {
            var start = new System.Diagnostics.ProcessStartInfo("git") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string a in new[] { "-C", root, "check-ignore", "-q", $"{DemoCommand.DefaultOutput}/report.md" }) start.ArgumentList.Add(a);
            using var git = System.Diagnostics.Process.Start(start)!;
            git.WaitForExit();
            // 0: ignored; 128: not a git checkout (a source copy), where the .gitignore line above is the check.
            Assert.IsTrue(git.ExitCode is 0 or 128, $"git check-ignore exit {git.ExitCode}: {git.StandardError.ReadToEnd()}");
        }
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (string folder in Directory.GetDirectories(from)) CopyFolder(folder, Path.Combine(to, Path.GetFileName(folder)));
    }

    private sealed class PathRow
    {
        public string Path { get; set; } = "";
    }

    private sealed class ScoredRow
    {
        public float[] Image { get; set; } = [];
        public float[] Score { get; set; } = [];
    }
}
