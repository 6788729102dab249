using System.CommandLine;
using MaMA.MLNet.Cli.Commands;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Onnx;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace MaMA.MLNet.Cli.Tests;

[TestClass]
public sealed class DemoCommandTests
{
    private static int Invoke(params string[] args)
    {
        return CliApp.Run(new RootCommand { new DemoCommand().Build() }, args);
    }

    [TestMethod]
    public void DemoRunsEndToEndAndItsOnnxFileMatchesTheSavedModel()
    {
        string dir = Path.Combine(Path.GetTempPath(), "mama-demo-" + Guid.NewGuid().ToString("N"));
        var saved = Console.Out;
        var output = new StringWriter();
        Console.SetOut(output);
        try
        {
            int code = Invoke("demo", "--out", dir, "--studies", "6", "--steps", "2", "--batch-size", "4", "--size", "64x80", "--minutes", "600"); // a budget no machine reaches: the 2 steps complete however slow it is
            Console.SetOut(saved);
            Assert.AreEqual(ExitCodes.Success, code, output.ToString());
            StringAssert.Contains(output.ToString(), "[6/6]");
            // Steps done out of planned and the full model path, on the console too.
            StringAssert.Contains(output.ToString(), $"Trained 2 of 2 planned steps (stopped: Completed). Model: {Path.Combine(dir, "run", "model")}");

            // The held-out count in the report is the manifest's non-train rows, read here independently.
            var records = MammogramManifestReader.Read(Path.Combine(dir, "data", "manifest.csv")).Records;
            Assert.AreEqual(24, records.Count);
            int heldOut = records.Count(r => r.Split != DatasetSplit.Train);
            Assert.IsTrue(heldOut > 0);
            string report = File.ReadAllText(Path.Combine(dir, DemoCommand.ReportFile));
            StringAssert.Contains(report, $"| Density | {heldOut} |");
            StringAssert.Contains(report, $"| Cancer | {heldOut} |");
            StringAssert.Contains(report, "| tiny | 2 / 2 | Completed |");
            // Each zero-shot metric next to its chance level, a one-line reading, and the full model path.
            StringAssert.Contains(report, "(0.500) |");
            StringAssert.Contains(report, "Reading:");
            StringAssert.Contains(report, "Density balanced accuracy");
            StringAssert.Contains(report, $"Model: `{Path.Combine(dir, "run", "model")}`");
            StringAssert.Contains(report, "| yes |");
            StringAssert.Contains(report, "## Linear probe (density, frozen encoder)");
            foreach (string plot in new[] { "report-density-roc.png", "report-density-confusion.png", "report-density-loss.png", "report-density-embeddings.png", "report-cancer-confusion.png" })
            {
                StringAssert.Contains(report, $"]({plot})");
                Assert.IsTrue(File.Exists(Path.Combine(dir, plot)), plot);
            }
            Assert.IsFalse(File.Exists(Path.Combine(dir, "report-cancer-loss.png")));
            // The loss plot's chance lines and the late-start marker: the demo starts the late losses at a quarter of
            // the steps (step index 1 of 2), the second logged step; the batch of 4 puts image_text's chance at 2 ln 4.
            StringAssert.Contains(report, "Dashed lines: each loss at chance");
            StringAssert.Contains(report, "start at step 2;");
            StringAssert.Contains(report, "Trained 2 of 2 planned steps (stopped: Completed).");
            var guides = MaMA.MLNet.Cli.Reports.EvaluationPlots.LossGuidesOf(Path.Combine(dir, "run", "training-log.jsonl"));
            Assert.AreEqual(2L, guides.LateStartStep);
            Assert.AreEqual(2 * Math.Log(4), guides.Plot.ChanceLines.Single(l => l.Term == "image_text").Value, 1e-12);

            // The exported encoder, run by ONNX Runtime here, against the saved model's own forward pass.
            var loaded = MaMAModelDirectory.Load(Path.Combine(dir, "run", "model"));
            using var model = loaded.Model;
            model.eval();
            using var scope = NewDisposeScope();
            int side = model.Config.Vision.ImageSize;
            // The demo trains the from-scratch recipe, so this also checks the feature norm's fold into the ONNX graph.
            Assert.IsTrue(model.Config.GlobalImageFeatureNorm);
            manual_seed(7);
            var pixels = randn(3, 3, side, side);
            float[] expected;
            using (no_grad()) expected = model.EncodeImages(pixels).Embedding.contiguous().data<float>().ToArray();
            float[] input = pixels.contiguous().data<float>().ToArray();
            using var session = new InferenceSession(Path.Combine(dir, DemoCommand.OnnxFile));
            using var value = OrtValue.CreateTensorValueFromMemory(input, [3, 3, side, side]);
            using var run = new RunOptions();
            using var results = session.Run(run, [MamaOnnxExporter.PixelsInput], [value], [MamaOnnxExporter.EmbeddingOutput]);
            float[] actual = results[0].GetTensorDataAsSpan<float>().ToArray();
            Assert.AreEqual(expected.Length, actual.Length);
            for (int i = 0; i < actual.Length; i++) Assert.AreEqual(expected[i], actual[i], 1e-4, $"embedding value {i}");
        }
        finally
        {
            Console.SetOut(saved);
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void ATimeBudgetThatStopsTrainingEarlyIsReportedWithAWarning()
    {
        // Every read of the fake clock moves it on a second: the 15 s budget ends pretraining after a few of the 50
        // steps however fast the machine is.
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider { AutoAdvanceAmount = TimeSpan.FromSeconds(1) };
        string dir = Path.Combine(Path.GetTempPath(), "mama-demo-budget-" + Guid.NewGuid().ToString("N"));
        var saved = Console.Out;
        var output = new StringWriter();
        Console.SetOut(output);
        try
        {
            var root = new RootCommand { new DemoCommand(clock).Build() };
            var parsed = root.Parse(["demo", "--out", dir, "--studies", "6", "--steps", "50", "--batch-size", "4", "--size", "64x80", "--minutes", "0.25"]);
            Assert.IsEmpty(parsed.Errors);
            int code = parsed.Invoke();
            Console.SetOut(saved);
            Assert.AreEqual(ExitCodes.Success, code, output.ToString());
            var done = System.Text.RegularExpressions.Regex.Match(output.ToString(), @"Trained (\d+) of 50 planned steps \(stopped: TimeBudgetReached\)");
            Assert.IsTrue(done.Success, output.ToString());
            string steps = done.Groups[1].Value;
            Assert.IsLessThan(50, int.Parse(steps, System.Globalization.CultureInfo.InvariantCulture));
            StringAssert.Contains(output.ToString(), $"warning: the time budget (--minutes 0.25) stopped training at step {steps} of 50");
            string report = File.ReadAllText(Path.Combine(dir, DemoCommand.ReportFile));
            StringAssert.Contains(report, $"| tiny | {steps} / 50 | TimeBudgetReached |");
            StringAssert.Contains(report, $"**Warning:** the time budget (--minutes 0.25) stopped training at step {steps} of 50; the model is undertrained.");
        }
        finally
        {
            Console.SetOut(saved);
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    [DataRow("--studies", "1", DisplayName = "one study leaves nothing held out")]
    [DataRow("--size", "12", DisplayName = "size without a height")]
    [DataRow("--batch-size", "1", DisplayName = "batch of one has no contrastive pair")]
    [DataRow("--minutes", "0", DisplayName = "no time budget")]
    public void BadSettingsAreUsageErrorsBeforeAnyWork(string option, string value)
    {
        string dir = Path.Combine(Path.GetTempPath(), "mama-demo-bad-" + Guid.NewGuid().ToString("N"));
        var saved = Console.Error;
        var error = new StringWriter();
        Console.SetError(error);
        try
        {
            Assert.AreEqual(ExitCodes.Usage, Invoke("demo", "--out", dir, option, value));
            StringAssert.Contains(error.ToString(), option);
            Assert.IsFalse(Directory.Exists(dir), "nothing is written for bad settings");
        }
        finally
        {
            Console.SetError(saved);
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void APretrainingFailureGoesThroughTheToolsOneErrorPath()
    {
        // An image that cannot be prepared mid-training, as the library reports it: a user error (exit 3, one line).
        var cause = new InvalidDataException("image 'L_CC.png' is not a PNG");
        var unreadable = new MaMA.MLNet.Training.BatchPreparationException(new MaMA.MLNet.Training.BatchKey(0, 0, 0, [0]), cause);
        var (code, error) = RunFailing(unreadable);
        Assert.AreEqual(ExitCodes.BadInput, code, error);
        Assert.AreEqual(UserErrors.Classify(unreadable).Message, LastLine(error), "the one line UserErrors writes for it");
        StringAssert.Contains(LastLine(error), "is not a PNG");

        // A bug stays exit 1, with what UserErrors gives every command's bug.
        var (bugCode, bugError) = RunFailing(new InvalidOperationException("a bug"));
        Assert.AreEqual(ExitCodes.InternalError, bugCode, bugError);
        StringAssert.Contains(bugError, "Internal error (please report): System.InvalidOperationException: a bug");
    }

    private static (int Code, string Error) RunFailing(Exception failure)
    {
        string dir = Path.Combine(Path.GetTempPath(), "mama-demo-fail-" + Guid.NewGuid().ToString("N"));
        var error = new StringWriter();
        try
        {
            var demo = new DemoCommand((_, _, _, _) => throw failure);
            int code = CliApp.Run(new RootCommand { demo.Build() }, ["demo", "--out", dir, "--studies", "4", "--steps", "1", "--batch-size", "4", "--size", "64x80"], new StringWriter(), error);
            return (code, error.ToString());
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).Last(l => !l.StartsWith("progress ", StringComparison.Ordinal));

    [TestMethod]
    public void TheReadingNamesTheModelsRealInputSize()
    {
        // Scores that rank every image the wrong way: AUC 0, below chance, so the reading explains with the input size.
        var report = MaMA.MLNet.Evaluation.ClassificationReport.Compute([0, 0, 1, 1], [[0.2f, 0.8f], [0.3f, 0.7f], [0.9f, 0.1f], [0.6f, 0.4f]], ["benign", "malignant"]);
        Assert.AreEqual(0.0, report.MacroAuc, 1e-12);
        string resNet = DemoCommand.ZeroShotReading(MaMA.MLNet.Data.Captions.ZeroShotTask.Cancer, report, DemoCommand.ResNetDemoImageSize);
        StringAssert.Contains(resNet, "at the model's input size (128 px) they may not show.");
        Assert.IsFalse(resNet.Contains("84 px", StringComparison.Ordinal), resNet);
        StringAssert.Contains(DemoCommand.ZeroShotReading(MaMA.MLNet.Data.Captions.ZeroShotTask.Cancer, report, 84), "(84 px)");
    }
}
