using System.Diagnostics;
using MaMA.MLNet.Cli.Commands;

namespace MaMA.MLNet.Cli.Tests;

/// <summary>
/// The tool as a person runs it (a child process through Program.cs, so the central error handling is part of the
/// test): bad images in a batch, unwritable outputs, bad flags and wrong files give one line and exit 2 or 3, never
/// a stack trace; the readable outputs say what they mean.
/// </summary>
[TestClass]
public sealed class UserPathTests
{
    private static readonly Lazy<(string Manifest, string Missing, string Corrupt)> BadManifest = new(() =>
    {
        // The fixture's manifest with two rows pointing at a missing file and a file that is not an image.
        string folder = Path.Combine(CliFixture.Directory, "bad-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        var lines = File.ReadAllLines(CliFixture.Manifest).ToList();
        var header = lines[0].Split(',');
        int pathColumn = Array.IndexOf(header, "image_path");
        Assert.IsGreaterThanOrEqualTo(0, pathColumn, lines[0]);
        string missing = Path.Combine(folder, "missing.png"), corrupt = Path.Combine(folder, "corrupt.png");
        File.WriteAllText(corrupt, "this is not an image");
        string dataFolder = Path.GetDirectoryName(CliFixture.Manifest)!;
        for (int i = 1; i < lines.Count; i++)
        {
            var cells = lines[i].Split(',');
            cells[pathColumn] = i == 2 ? missing : i == 5 ? corrupt : Path.GetFullPath(Path.Combine(dataFolder, cells[pathColumn]));
            lines[i] = string.Join(",", cells);
        }
        string manifest = Path.Combine(folder, "manifest.csv");
        File.WriteAllLines(manifest, lines);
        return (manifest, missing, corrupt);
    });

    private static int ImageCount => File.ReadAllLines(CliFixture.Manifest).Length - 1;

    // A fine-tuned pipeline (.mama.zip) for predict, made once.
    private static readonly Lazy<string> Pipeline = new(() =>
    {
        string file = Path.Combine(CliFixture.Directory, "user-path-" + Guid.NewGuid().ToString("N")[..8], "density.mama.zip");
        var run = CliProcess.Run("finetune", "--model", CliFixture.Model, "--manifest", CliFixture.Manifest, "--out", file, "--steps", "1", "--batch-size", "4");
        Assert.AreEqual(ExitCodes.Success, run.Code, run.Describe());
        return file;
    });

    // compare-features needs both cancer classes from enough patients: a 16-study phantom, with two rows made bad as above.
    private static readonly Lazy<(string Manifest, string Missing, int Images)> BadCompareManifest = new(() =>
    {
        string folder = Path.Combine(CliFixture.Directory, "bad-compare-" + Guid.NewGuid().ToString("N")[..8]);
        var synth = CliProcess.Run("synth", "--out", folder, "--studies", "16", "--size", "64x80", "--seed", "3");
        Assert.AreEqual(ExitCodes.Success, synth.Code, synth.Describe());
        string manifest = Path.Combine(folder, "manifest.csv"), missing = Path.Combine(folder, "missing.png");
        var lines = File.ReadAllLines(manifest);
        int pathColumn = Array.IndexOf(lines[0].Split(','), "image_path");
        for (int i = 1; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',');
            cells[pathColumn] = i == 3 ? missing : Path.GetFullPath(Path.Combine(folder, cells[pathColumn]));
            lines[i] = string.Join(",", cells);
        }
        File.WriteAllLines(manifest, lines);
        return (manifest, missing, lines.Length - 1);
    });

    [TestMethod]
    public void BatchCommandsFailWithOneLineNamingTheFirstBadImageAndTheCount()
    {
        var (manifest, missing, _) = BadManifest.Value;
        foreach (var args in new[]
                 {
                     new[] { "zeroshot", "--model", CliFixture.Model, "--manifest", manifest },
                     new[] { "evaluate", "--model", CliFixture.Model, "--manifest", manifest },
                     new[] { "embed", "--model", CliFixture.Model, "--manifest", manifest, "--out", Path.Combine(CliFixture.Directory, "e-fail.csv") },
                     new[] { "retrieve", "--model", CliFixture.Model, "--manifest", manifest, "--query", "dense breast" },
                     new[] { "predict", "--model", Pipeline.Value, "--manifest", manifest, "--out", Path.Combine(CliFixture.Directory, "p-fail.csv") },
                 })
        {
            var run = CliProcess.Run(args);
            Assert.AreEqual(ExitCodes.BadInput, run.Code, run.Describe());
            AssertOneLine(run);
            StringAssert.Contains(run.Error, missing, run.Describe());
            StringAssert.Matches(run.Error, new System.Text.RegularExpressions.Regex(@"\(2 of \d+ images cannot be read"), run.Describe());
        }
    }

    [TestMethod]
    public void SkipGoesOnWithTheReadableImagesAndListsTheOthersBesideTheOutput()
    {
        var (manifest, missing, corrupt) = BadManifest.Value;
        string folder = Path.Combine(CliFixture.Directory, "skip-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        string output = Path.Combine(folder, "embeddings.csv");
        var run = CliProcess.Run("embed", "--model", CliFixture.Model, "--manifest", manifest, "--out", output, "--on-bad-image", "skip");
        Assert.AreEqual(ExitCodes.Success, run.Code, run.Describe());
        Assert.HasCount(1 + ImageCount - 2, File.ReadAllLines(output));
        string list = Path.Combine(folder, "embeddings.bad-images.csv");
        var listed = File.ReadAllLines(list);
        Assert.AreEqual("path,reason", listed[0]);
        Assert.HasCount(3, listed);
        StringAssert.StartsWith(listed[1], missing);
        StringAssert.StartsWith(listed[2], corrupt);
        StringAssert.Contains(run.Error, $"Skipped 2 of {ImageCount} images");

        var zeroShot = CliProcess.Run("zeroshot", "--model", CliFixture.Model, "--manifest", manifest, "--json", "--on-bad-image", "skip");
        Assert.AreEqual(ExitCodes.Success, zeroShot.Code, zeroShot.Describe());
        StringAssert.Contains(zeroShot.Output, $"\"count\":{ImageCount - 2}");

        // The ONNX Runtime backend goes past the same images (its stream reports them per batch).
        string onnxOutput = Path.Combine(folder, "onnx.csv");
        var onnxEmbed = CliProcess.Run("embed", "--model", CliFixture.Model, "--manifest", manifest, "--out", onnxOutput, "--on-bad-image", "skip", "--backend", "onnx");
        Assert.AreEqual(ExitCodes.Success, onnxEmbed.Code, onnxEmbed.Describe());
        Assert.HasCount(1 + ImageCount - 2, File.ReadAllLines(onnxOutput));
        var onnxListed = File.ReadAllLines(Path.Combine(folder, "onnx.bad-images.csv"));
        Assert.HasCount(3, onnxListed);
        StringAssert.StartsWith(onnxListed[1], missing);
        StringAssert.StartsWith(onnxListed[2], corrupt);
        StringAssert.Contains(onnxEmbed.Error, $"Skipped 2 of {ImageCount} images");
        var onnxZeroShot = CliProcess.Run("zeroshot", "--model", CliFixture.Model, "--manifest", manifest, "--json", "--on-bad-image", "skip", "--backend", "onnx");
        Assert.AreEqual(ExitCodes.Success, onnxZeroShot.Code, onnxZeroShot.Describe());
        StringAssert.Contains(onnxZeroShot.Output, $"\"count\":{ImageCount - 2}");
        StringAssert.Contains(onnxZeroShot.Error, $"Skipped 2 of {ImageCount} images");

        var usage = CliProcess.Run("zeroshot", "--model", CliFixture.Model, "--manifest", manifest, "--on-bad-image", "ignore");
        Assert.AreEqual(ExitCodes.Usage, usage.Code, usage.Describe());
        StringAssert.Contains(usage.Error, "--on-bad-image must be fail or skip");
    }

    [TestMethod]
    public void TrainingCommandsFindUnreadableImagesBeforeTraining()
    {
        var (manifest, missing, _) = BadManifest.Value;
        string folder = Path.Combine(CliFixture.Directory, "train-bad-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var args in new[]
                 {
                     new[] { "finetune", "--model", CliFixture.Model, "--manifest", manifest, "--split", "train", "--out", Path.Combine(folder, "f.mama.zip"), "--steps", "1", "--batch-size", "4" },
                     new[] { "pretrain", "--manifest", manifest, "--out", Path.Combine(folder, "run"), "--steps", "1", "--batch-size", "4" },
                 })
        {
            var run = CliProcess.Run(args);
            Assert.AreEqual(ExitCodes.BadInput, run.Code, run.Describe());
            AssertOneLine(run);
            StringAssert.Contains(run.Error, missing, run.Describe());
            StringAssert.Matches(run.Error, new System.Text.RegularExpressions.Regex(@"\(\d of \d+ images cannot be read"), run.Describe());
            Assert.IsFalse(File.Exists(Path.Combine(folder, "f.mama.zip")) || Directory.Exists(Path.Combine(folder, "run", "checkpoints")), "nothing trained");
        }

        var skip = CliProcess.Run("finetune", "--model", CliFixture.Model, "--manifest", manifest, "--out", Path.Combine(folder, "f.mama.zip"),
            "--steps", "1", "--batch-size", "4", "--on-bad-image", "skip");
        Assert.AreEqual(ExitCodes.Success, skip.Code, skip.Describe());
        Assert.IsTrue(File.Exists(Path.Combine(folder, "f.mama.zip")));
        var listed = File.ReadAllLines(Path.Combine(folder, "f.mama.bad-images.csv"));
        StringAssert.StartsWith(listed[1], missing);
    }

    [TestMethod]
    public void PredictSkipsUnreadableImagesAndListsThemBesideItsOutput()
    {
        var (manifest, missing, corrupt) = BadManifest.Value;
        string folder = Path.Combine(CliFixture.Directory, "predict-skip-" + Guid.NewGuid().ToString("N")[..8]);
        string output = Path.Combine(folder, "predictions.csv");
        var run = CliProcess.Run("predict", "--model", Pipeline.Value, "--manifest", manifest, "--out", output, "--on-bad-image", "skip");
        Assert.AreEqual(ExitCodes.Success, run.Code, run.Describe());
        var rows = File.ReadAllLines(output);
        Assert.HasCount(1 + ImageCount - 2, rows, "a header and the readable images");
        Assert.IsFalse(rows.Any(r => r.StartsWith(missing, StringComparison.Ordinal) || r.StartsWith(corrupt, StringComparison.Ordinal)));
        var listed = File.ReadAllLines(Path.Combine(folder, "predictions.bad-images.csv"));
        Assert.AreEqual("path,reason", listed[0]);
        Assert.HasCount(3, listed);
        StringAssert.StartsWith(listed[1], missing);
        StringAssert.StartsWith(listed[2], corrupt);
        StringAssert.Contains(run.Error, $"Skipped 2 of {ImageCount} images");
    }

    [TestMethod]
    public void PredictRunsAPipelineSavedForAGpuOnTheDeviceItIsGiven()
    {
        // The same pipeline as if fine-tuned on a GPU: its stage options say cuda, which this CPU build cannot give.
        string folder = Path.Combine(CliFixture.Directory, "gpu-saved-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        string gpu = Path.Combine(folder, "gpu.mama.zip");
        File.Copy(Pipeline.Value, gpu);
        int rewritten = 0;
        using (var zip = System.IO.Compression.ZipFile.Open(gpu, System.IO.Compression.ZipArchiveMode.Update))
        {
            foreach (var entry in zip.Entries.Where(e => e.FullName.EndsWith("/options.json", StringComparison.Ordinal)).ToList())
            {
                string json;
                using (var reader = new StreamReader(entry.Open())) json = reader.ReadToEnd();
                if (!json.Contains("\"device\": \"cpu\"", StringComparison.Ordinal)) continue;
                string name = entry.FullName;
                entry.Delete();
                using var writer = new StreamWriter(zip.CreateEntry(name).Open());
                writer.Write(json.Replace("\"device\": \"cpu\"", "\"device\": \"cuda\"", StringComparison.Ordinal));
                rewritten++;
            }
        }
        Assert.AreEqual(1, rewritten, "the fine-tune stage records its device");

        var expected = CliProcess.Run("predict", "--model", Pipeline.Value, "--manifest", CliFixture.Manifest);
        Assert.AreEqual(ExitCodes.Success, expected.Code, expected.Describe());
        // --device (default cpu) puts the stages there, whatever device they were saved with.
        foreach (var args in new[] { new[] { "predict", "--model", gpu, "--manifest", CliFixture.Manifest },
                                     new[] { "predict", "--model", gpu, "--manifest", CliFixture.Manifest, "--device", "cpu" } })
        {
            var run = CliProcess.Run(args);
            Assert.AreEqual(ExitCodes.Success, run.Code, run.Describe());
            Assert.AreEqual(expected.Output, run.Output, "the same predictions");
        }
    }

    [TestMethod]
    public void CompareFeaturesFailsOrSkipsUnreadableImagesLikeTheOtherBatchCommands()
    {
        var (manifest, missing, images) = BadCompareManifest.Value;
        var fail = CliProcess.Run("compare-features", "--manifest", manifest, "--task", "cancer", "--folds", "2");
        Assert.AreEqual(ExitCodes.BadInput, fail.Code, fail.Describe());
        AssertOneLine(fail);
        StringAssert.Contains(fail.Error, missing, fail.Describe());
        StringAssert.Contains(fail.Error, $"(1 of {images} images cannot be read", fail.Describe());

        string folder = Path.Combine(CliFixture.Directory, "compare-skip-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        var skip = CliProcess.RunIn(folder, "compare-features", "--manifest", manifest, "--task", "cancer", "--folds", "2", "--json", "--on-bad-image", "skip");
        Assert.AreEqual(ExitCodes.Success, skip.Code, skip.Describe());
        StringAssert.Contains(skip.Output, $"\"images\": {images - 1}");
        var listed = File.ReadAllLines(Path.Combine(folder, "bad-images.csv"));
        Assert.HasCount(2, listed);
        StringAssert.StartsWith(listed[1], missing);
    }

    [TestMethod]
    public void AnUnwritableOutputIsRefusedFirstWithOneLine()
    {
        const string unwritable = "/proc/mama-cannot-write-here";
        foreach (var args in new[]
                 {
                     new[] { "synth", "--out", unwritable, "--studies", "1" },
                     new[] { "pretrain", "--manifest", CliFixture.Manifest, "--out", unwritable, "--steps", "1" },
                     new[] { "demo", "--out", unwritable },
                     new[] { "embed", "--model", CliFixture.Model, "--manifest", CliFixture.Manifest, "--out", unwritable + "/e.csv" },
                     new[] { "evaluate", "--model", CliFixture.Model, "--manifest", CliFixture.Manifest, "--report", unwritable + "/r.md" },
                     new[] { "finetune", "--model", CliFixture.Model, "--manifest", CliFixture.Manifest, "--out", unwritable + "/m.mama.zip", "--steps", "1" },
                     new[] { "explain", "--model", CliFixture.Model, "--image", FirstImage(), "--text", "a mass", "--out", unwritable + "/x.png" },
                     new[] { "predict", "--model", CliFixture.Model, "--manifest", CliFixture.Manifest, "--out", unwritable + "/p.csv" },
                     new[] { "model", "init", "--preset", "tiny", "--out", unwritable },
                     new[] { "export-onnx", "--model", CliFixture.Model, "--part", "image", "--out", unwritable + "/i.onnx" },
                     new[] { "dicom", "png", FirstImage(), unwritable + "/x.png" },
                     new[] { "dicom", "pixels", FirstImage(), unwritable + "/x.raw" },
                 })
        {
            var run = CliProcess.Run(args);
            Assert.AreEqual(ExitCodes.BadInput, run.Code, run.Describe());
            AssertOneLine(run);
            // Named as typed: the flag, or for dicom's positional output its name in the help (OUT).
            StringAssert.Matches(run.Error, new System.Text.RegularExpressions.Regex(@"^(--[a-z]+|OUT) \S*" + System.Text.RegularExpressions.Regex.Escape(unwritable)), run.Describe());
            StringAssert.Contains(run.Error, "cannot write there", run.Describe());
        }
    }

    [TestMethod]
    public void FlagsAreNamedAsTypedAndWrongFilesAreNamedForWhatTheyAre()
    {
        var steps = CliProcess.Run("pretrain", "--manifest", CliFixture.Manifest, "--out", Path.Combine(CliFixture.Directory, "never"), "--steps", "-5");
        Assert.AreEqual(ExitCodes.Usage, steps.Code, steps.Describe());
        Assert.AreEqual("--steps must be at least 1, got -5.", steps.Error.Trim());

        string png = Directory.EnumerateFiles(Path.GetDirectoryName(CliFixture.Manifest)!, "*.png", SearchOption.AllDirectories).First();
        var info = CliProcess.Run("dicom", "info", png);
        Assert.AreEqual(ExitCodes.BadInput, info.Code, info.Describe());
        AssertOneLine(info);
        StringAssert.Contains(info.Error, "not a DICOM file");

        var size = CliProcess.Run("dicom", "png", png, Path.Combine(CliFixture.Directory, "x.png"), "--image-size", "-5");
        Assert.AreEqual(ExitCodes.Usage, size.Code, size.Describe());
        StringAssert.Contains(size.Error, "--image-size must be at least 14, got -5");
        // --size is the phantom's canvas only; on dicom png (model input) it is an unknown option, still a usage error.
        var oldSpelling = CliProcess.Run("dicom", "png", png, Path.Combine(CliFixture.Directory, "x.png"), "--size", "-5");
        Assert.AreEqual(ExitCodes.Usage, oldSpelling.Code, oldSpelling.Describe());
        StringAssert.Contains(oldSpelling.Error, "--size");

        var predict = CliProcess.Run("predict", "--model", CliFixture.Model, "--manifest", CliFixture.Manifest);
        Assert.AreEqual(ExitCodes.BadInput, predict.Code, predict.Describe());
        AssertOneLine(predict);
        StringAssert.Contains(predict.Error, "a directory was given where a .mama.zip");
    }

    [TestMethod]
    public void ABrokenWeightsFileIsBadInputWithoutAStackTrace()
    {
        string model = Path.Combine(CliFixture.Directory, "broken-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(model);
        foreach (string file in Directory.EnumerateFiles(CliFixture.Model)) File.Copy(file, Path.Combine(model, Path.GetFileName(file)));
        string weights = Path.Combine(model, "model.safetensors");
        Assert.IsTrue(File.Exists(weights), weights);
        using (var stream = new FileStream(weights, FileMode.Open)) stream.SetLength(stream.Length / 2);
        var run = CliProcess.Run("zeroshot", "--model", model, "--manifest", CliFixture.Manifest);
        Assert.AreEqual(ExitCodes.BadInput, run.Code, run.Describe());
        AssertOneLine(run);
    }

    [TestMethod]
    public void ZeroShotWithoutJsonPrintsATableWithChanceLevels()
    {
        var run = CliProcess.Run("zeroshot", "--model", CliFixture.Model, "--manifest", CliFixture.Manifest);
        Assert.AreEqual(ExitCodes.Success, run.Code, run.Describe());
        StringAssert.Contains(run.Output, "metric             value   chance");
        StringAssert.Contains(run.Output, "balanced accuracy");
        StringAssert.Contains(run.Output, "0.500", "AUC's chance level");
        StringAssert.Contains(run.Output, "confusion matrix");
        Assert.IsFalse(run.Output.TrimStart().StartsWith('{'), "not JSON");
    }

    private static string FirstImage() => Directory.EnumerateFiles(Path.GetDirectoryName(CliFixture.Manifest)!, "*.png", SearchOption.AllDirectories).First();

    private static void AssertOneLine(CliProcess.Result run)
    {
        var lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !IsProgress(l)).ToList();
        Assert.HasCount(1, lines, run.Describe());
        Assert.IsFalse(run.Error.Contains("   at ", StringComparison.Ordinal), "no stack trace: " + run.Describe());
    }

    // Plain progress lines (key=value, MAMA_PROGRESS=plain) are not messages.
    private static bool IsProgress(string line) => line.StartsWith("progress stage=", StringComparison.Ordinal);
}

/// <summary>Runs <c>mama.dll</c> (copied beside the tests by the project reference) in a child process.</summary>
internal static class CliProcess
{
    public sealed record Result(int Code, string Output, string Error, string[] Args)
    {
        public string Describe() => $"mama {string.Join(' ', Args)} -> exit {Code}\nstdout: {Output}\nstderr: {Error}";
    }

    public static Result Run(params string[] args) => RunIn(null, args);

    /// <summary>Runs the tool in <paramref name="workingDirectory"/> (null: this process's).</summary>
    public static Result RunIn(string? workingDirectory, params string[] args)
    {
        string mama = Path.Combine(AppContext.BaseDirectory, "mama.dll");
        Assert.IsTrue(File.Exists(mama), mama);
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory;
        start.ArgumentList.Add(mama);
        foreach (string a in args) start.ArgumentList.Add(a);
        start.Environment["MAMA_PROGRESS"] = "plain";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return new Result(process.ExitCode, stdout, stderr.Result, args);
    }
}
