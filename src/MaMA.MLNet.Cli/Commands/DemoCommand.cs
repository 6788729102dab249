using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using MaMA.MLNet.Cli.Progress;
using MaMA.MLNet.Cli.Reports;
using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Data.Phantom;
using MaMA.MLNet.Evaluation;
using MaMA.MLNet.Imaging.Preprocessing;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Tokenization;
using MaMA.MLNet.Onnx;
using MaMA.MLNet.Onnx.Graph;
using MaMA.MLNet.Onnx.Vision;
using MaMA.MLNet.Onnx.Weights;
using MaMA.MLNet.Pretraining;
using MaMA.MLNet.Training;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// <c>mama demo [--out DIR] [--studies N] [--minutes M] [--steps N] [--batch-size B] [--size WxH] [--seed S] [--device D]</c>:
/// the whole story on one machine with nothing downloaded: a phantom data set, pretraining of the tiny preset,
/// zero-shot density and cancer on the held-out studies, the image encoder exported to ONNX and checked against
/// ONNX Runtime, and DIR/report.md with every number and PNG plots beside it (ROC, confusion matrix and PCA map per
/// task, the pretraining loss). Each stage reuses the library code the other commands use. <c>--device</c> is where the
/// pretraining runs; the evaluation and the ONNX check of the small model run on the CPU.
/// </summary>
public sealed class DemoCommand : ICliCommand
{
    /// <summary>Largest |ONNX Runtime - TorchSharp| embedding difference the ONNX check accepts (float32).</summary>
    public const double OnnxTolerance = 1e-4;

    /// <summary>File name of the report inside the output folder.</summary>
    public const string ReportFile = "report.md";

    /// <summary>File name of the exported image encoder inside the output folder.</summary>
    public const string OnnxFile = "image_encoder.onnx";

    /// <summary>The default <c>--out</c>: a folder in the working directory, which the repository's .gitignore lists.</summary>
    public const string DefaultOutput = "mama-demo";

    private readonly TimeProvider? _clock;

    /// <summary>Runs the pretraining stage (the library's <see cref="MaMAPretraining.Run(IReadOnlyList{MammogramRecord}, MaMAPretrainingOptions, IProgress{TrainingProgress}?, CancellationToken)"/>).</summary>
    internal delegate MaMAPretrainingResult Pretrainer(IReadOnlyList<MammogramRecord> records, MaMAPretrainingOptions options,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken);

    private readonly Pretrainer _pretrain = MaMAPretraining.Run;

    /// <summary>The command as the tool runs it (the system clock).</summary>
    public DemoCommand() { }

    /// <summary>The command with <paramref name="clock"/> for the time budget, ETA and progress lines (tests pass a fake one).</summary>
    internal DemoCommand(TimeProvider clock) => _clock = clock;

    /// <summary>The command with another pretraining stage (tests inject a failure).</summary>
    internal DemoCommand(Pretrainer pretrain) => _pretrain = pretrain;

    /// <inheritdoc />
    public Command Build()
    {
        var output = new Option<string>("--out") { Description = "Output folder (data/, run/, image_encoder.onnx, report.md).", DefaultValueFactory = _ => DefaultOutput };
        var studies = new Option<int>("--studies") { Description = "Phantom studies (four images each; 70 % train).", DefaultValueFactory = _ => 300 };
        var minutes = new Option<double>("--minutes") { Description = "Pretraining time budget in minutes.", DefaultValueFactory = _ => 5 };
        var steps = new Option<long>("--steps") { Description = "Pretraining steps at most (the time budget may stop it first).", DefaultValueFactory = _ => 1200 };
        var batch = new Option<int>("--batch-size") { Description = "Images per step (lowered to the train set size).", DefaultValueFactory = _ => 32 };
        var size = new Option<string>("--size") { Description = "Phantom image size WxH (the canvas, not a model input size).", DefaultValueFactory = _ => "160x200" };
        var seed = CommonOptions.Seed("Random seed of data and training.", 1);
        var imageEncoder = new Option<string>("--image-encoder")
        {
            Description = $"{ImageEncoderChoice.Description} The ResNet trains at {ResNetDemoImageSize} px.",
            DefaultValueFactory = _ => ImageEncoderChoice.Vit,
        };
        var device = CommonOptions.Device();
        var command = new Command("demo", "End-to-end demo: phantom data, tiny pretraining, zero-shot evaluation, ONNX export, report.md.")
        {
            output, studies, minutes, steps, batch, size, seed, imageEncoder, device,
        };
        command.SetAction((parse, cancellationToken) => Task.FromResult(Run(new DemoSettings(
            parse.GetValue(output)!, parse.GetValue(studies), parse.GetValue(minutes), parse.GetValue(steps),
            parse.GetValue(batch), parse.GetValue(size) ?? "", parse.GetValue(seed), parse.GetValue(imageEncoder) ?? ImageEncoderChoice.Vit,
            parse.GetValue(device)), cancellationToken)));
        return command;
    }

    /// <summary>The demo's settings as parsed from the command line.</summary>
    private sealed record DemoSettings(string Output, int Studies, double Minutes, long Steps, int BatchSize, string Size, int Seed, string ImageEncoder, string? Device);

    /// <summary>
    /// Training size of the demo's ResNet: the phantom's density shows at 84 px already; 128 keeps a 4 x 4 local grid
    /// at a third of 224 px's cost on a CPU.
    /// </summary>
    public const int ResNetDemoImageSize = 128;

    private int Run(DemoSettings s, CancellationToken cancellationToken) =>
        CommonOptions.TryDevice(s.Device, out string device) ?? OutputChecks.Folder(s.Output, "--out")
        ?? CliProgress.Run(progress => Run(s with { Device = device }, progress, cancellationToken), _clock);

    private int Run(DemoSettings s, ICliProgress progress, CancellationToken cancellationToken)
    {
        if (s.Studies < 2) return Fail($"--studies must be at least 2 (some to train on, some held out), got {s.Studies}.", ExitCodes.Usage);
        if (!(s.Minutes > 0)) return Fail($"--minutes must be positive, got {s.Minutes}.", ExitCodes.Usage);
        if (s.Steps < 1) return Fail($"--steps must be at least 1, got {s.Steps}.", ExitCodes.Usage);
        if (s.BatchSize < 2) return Fail($"--batch-size must be at least 2 (contrastive pairs), got {s.BatchSize}.", ExitCodes.Usage);
        var parts = s.Size.Split('x', 'X');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int w) || !int.TryParse(parts[1], out int h) || w < 32 || h < 32 || w > 4096 || h > 4096)
            return Fail($"--size must be WxH with each side in [32, 4096], got '{s.Size}'.", ExitCodes.Usage);
        bool resNet = s.ImageEncoder.Trim().ToLowerInvariant() == ImageEncoderChoice.ResNet18ImageNet;
        if (!resNet && s.ImageEncoder.Trim().ToLowerInvariant() != ImageEncoderChoice.Vit)
            return Fail($"--image-encoder must be {string.Join(" or ", ImageEncoderChoice.Names)}, got '{s.ImageEncoder}'.", ExitCodes.Usage);
        string? resNetWeights = null;
        if (resNet)
        {
            try { resNetWeights = ImageEncoderChoice.PackagedResNet18(); }
            catch (FileNotFoundException e) { return Fail(e.Message, ExitCodes.BadInput); }
        }

        var clock = Stopwatch.StartNew();
        string root = Directory.CreateDirectory(s.Output).FullName;
        var report = new DemoReport(s);

        // 1. Data.
        Log(progress, clock, $"[1/6] Generating {s.Studies} phantom studies ({w}x{h}) -> {Path.Combine(root, "data")}");
        IReadOnlyList<MammogramRecord> records;
        using (var stage = progress.Stage("synth studies", s.Studies))
            records = new PhantomGenerator(new PhantomOptions { Width = w, Height = h, Seed = s.Seed }).WriteDataset(Path.Combine(root, "data"), s.Studies, studiesWritten: new StageCounter(stage));
        var train = records.Where(r => r.Split == DatasetSplit.Train).ToList();
        var heldOut = records.Where(r => r.Split != DatasetSplit.Train).ToList();
        // A tiny data set may put every study in one split; keep at least one study out for evaluation.
        if (train.Count == 0 || heldOut.Count == 0)
        {
            var lastStudy = records[^1].StudyId;
            train = records.Where(r => r.StudyId != lastStudy).ToList();
            heldOut = records.Where(r => r.StudyId == lastStudy).ToList();
        }
        report.Data(records.Count, train.Count, heldOut.Count);
        Log(progress, clock, $"      {train.Count} train images, {heldOut.Count} held-out images");

        // 2. Pretraining: the tiny from-scratch recipe (feature norm, whole text encoder, 84 px) or, with --image-encoder
        // resnet18-imagenet, the ResNet recipe from ImageNet weights; scaled to the steps.
        int batchSize = Math.Min(s.BatchSize, train.Count);
        if (batchSize < 2) return Fail($"only {train.Count} training image(s); use more --studies.", ExitCodes.Usage);
        // The ResNet recipe starts from ML.NET's ImageNet weights, at the demo's size.
        var recipe = MaMAPretrainingOptions.TinyFromScratch(Path.Combine(root, "run"));
        if (resNet)
        {
            var resNetRecipe = MaMAPretrainingOptions.ResNet18ImageNet(Path.Combine(root, "run"), resNetWeights!);
            recipe = resNetRecipe with { Config = resNetRecipe.ResolveConfig().WithImageSize(ResNetDemoImageSize) };
        }
        var options = recipe with
        {
            Steps = s.Steps,
            Minutes = s.Minutes,
            BatchSize = batchSize,
            Seed = s.Seed,
            Device = s.Device ?? "cpu",
            CheckpointEvery = s.Steps,
            WarmupSteps = Math.Min(recipe.WarmupSteps ?? 20, Math.Max(1, s.Steps / 10)),
            LateStartStep = Math.Min(recipe.LateStartStep ?? 300, Math.Max(1, s.Steps / 4)),
            Clock = _clock,
        };
        Log(progress, clock, $"[2/6] Pretraining {recipe.Preset} for up to {s.Steps} steps / {s.Minutes:G3} min, batch {batchSize} -> {options.OutputDirectory}");
        MaMAPretrainingResult trained;
        var trainClock = Stopwatch.StartNew();
        // A failure escapes to the tool's one error path (UserErrors), like every other command's: an unreadable
        // image is exit 3 with one line, a bug exit 1 with its stack trace.
        using (var stage = progress.Stage("pretrain", s.Steps))
            trained = _pretrain(train, options, new TrainingStage(stage), cancellationToken);
        if (trained.Training.StopReason == TrainingStopReason.Cancelled) return Fail("cancelled.", ExitCodes.Cancelled);
        report.Training(trained, trainClock.Elapsed);
        Log(progress, clock, $"      {TrainingSummary.Steps(trained.Training, s.Steps)} Model: {Path.GetFullPath(trained.ModelDirectory)}");
        if (TrainingSummary.BudgetWarning(trained.Training, s.Steps, s.Minutes) is { } warning) Log(progress, clock, "      " + warning);

        // 3. Zero-shot evaluation on the held-out studies, from the saved model as a user would load it.
        Log(progress, clock, "[3/6] Zero-shot evaluation on the held-out images");
        var loaded = MaMAModelDirectory.Load(trained.ModelDirectory);
        using var model = loaded.Model;
        model.eval();
        var tokenizer = loaded.Tokenizer ?? MaMATokenizer.CreateGpt2();
        using (var scope = NewDisposeScope())
        {
            // Both tasks and the retrieval rank the same held-out images: embed them once.
            var images = ImageEmbeddings.Embed(model, heldOut, progress);
            foreach (var task in new[] { ZeroShotTask.Density, ZeroShotTask.Cancer })
            {
                var scored = MaMAZeroShotEvaluation.Score(model, tokenizer, heldOut, task, imageEmbeddings: images);
                var result = scored?.Report;
                report.ZeroShot(task, result, model.Config.ImageSize);
                // Plots beside report.md; the loss curves (one run) go with the first task only.
                string name = task.ToString().ToLowerInvariant();
                if (scored is not null)
                    report.Plots(EvaluationPlots.Write(scored, name, root, $"report-{name}", task == ZeroShotTask.Density ? trained.ModelDirectory : null,
                        $"## Plots: {name} (held-out images)"));
                Log(progress, clock, result is null
                    ? $"      {task}: no labelled held-out image"
                    : $"      {task}: accuracy {result.Accuracy:F3}, balanced accuracy {result.BalancedAccuracy:F3}, macro AUC {Format(result.MacroAuc)} (n={result.Count})");
            }
            double retrieval = MaMAZeroShotEvaluation.ImageToTextTop1(model, tokenizer, heldOut, images);
            report.Retrieval(retrieval, heldOut.Count);
            Log(progress, clock, $"      image-to-caption top-1 {retrieval:F3} (chance about {1.0 / heldOut.Count:F3})");
        }

        // 4. Linear probe: a density head on the frozen pooled feature, trained on the train split (ML.NET pipeline).
        Log(progress, clock, "[4/6] Linear probe for density on the frozen encoder (train split -> held-out images)");
        var probe = DemoLinearProbe.Run(trained.ModelDirectory, train, heldOut, s.Seed);
        report.LinearProbe(probe);
        Log(progress, clock, probe is null
            ? "      no density labels to probe"
            : $"      density probe: balanced accuracy {probe.BalancedAccuracy:F3}, log-loss {probe.LogLoss:F3} (n={probe.Count}, {probe.Steps} steps)");

        // 5. ONNX export of the image encoder, checked against the TorchSharp model in ONNX Runtime.
        string onnxPath = Path.Combine(root, OnnxFile);
        Log(progress, clock, $"[5/6] Exporting the image encoder to {onnxPath} and checking it with ONNX Runtime");
        var check = ExportAndCheck(model, heldOut.Take(8).ToList(), onnxPath);
        report.Onnx(check, onnxPath);
        Log(progress, clock, $"      {check.Images} images: max |ORT - TorchSharp| = {check.MaxAbsDifference:E2} (tolerance {OnnxTolerance:E0}), {check.Bytes / 1024.0:F0} KiB");

        // 6. Report.
        string reportPath = Path.Combine(root, ReportFile);
        File.WriteAllText(reportPath, report.ToMarkdown(clock.Elapsed));
        Log(progress, clock, $"[6/6] Report: {reportPath}");
        return check.MaxAbsDifference <= OnnxTolerance ? ExitCodes.Success : Fail("the ONNX model does not match the TorchSharp model.", ExitCodes.CheckFailed);
    }

    /// <summary>The result of the ONNX check.</summary>
    internal sealed record OnnxCheck(int Images, double MaxAbsDifference, double MinNorm, double MaxNorm, long Bytes);

    /// <summary>
    /// Exports the model's image encoder at its pretraining size, runs <paramref name="images"/> through ONNX Runtime
    /// and through the model, and compares the embeddings.
    /// </summary>
    internal static OnnxCheck ExportAndCheck(MaMAModel model, IReadOnlyList<MammogramRecord> images, string path)
    {
        int side = model.Config.ImageSize;
        using var scope = NewDisposeScope();
        // Through the model exporter: it folds a from-scratch model's image feature norm into the projection.
        var graph = MaMAModelOnnxExporter.ExportImageEncoder(model, side);
        OnnxModelFile.Save(graph, path);

        var preprocessor = new MammogramPreprocessor(new PreprocessingOptions { ImageSize = side });
        float[] pixels = images.SelectMany(r => MaMAZeroShotEvaluation.EvalPixels(r, preprocessor)).ToArray();
        long[] shape = [images.Count, 3, side, side];
        float[] expected;
        using (var gcPacer = new GcSafePointPacer()) // no collection from another thread mid-call (TorchSharp's implicit Scalars)
        using (no_grad())
        {
            gcPacer.SafePoint();
            using var encoding = model.EncodeImages(tensor(pixels, shape));
            expected = encoding.Embedding.to(ScalarType.Float32).contiguous().data<float>().ToArray();
        }

        using var session = new InferenceSession(path);
        using var input = OrtValue.CreateTensorValueFromMemory(pixels, shape);
        using var run = new RunOptions();
        using var outputs = session.Run(run, [MamaOnnxExporter.PixelsInput], [input], [MamaOnnxExporter.EmbeddingOutput]);
        float[] actual = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        if (actual.Length != expected.Length)
            throw new InvalidOperationException($"ONNX Runtime returned {actual.Length} values, the model {expected.Length}.");

        double maxDiff = 0;
        for (int i = 0; i < actual.Length; i++) maxDiff = Math.Max(maxDiff, Math.Abs(actual[i] - expected[i]));
        int e = actual.Length / images.Count;
        var norms = Enumerable.Range(0, images.Count).Select(i => Math.Sqrt(actual.AsSpan(i * e, e).ToArray().Sum(v => (double)v * v))).ToList();
        return new OnnxCheck(images.Count, maxDiff, norms.Min(), norms.Max(), new FileInfo(path).Length);
    }

    /// <summary>
    /// The report's reading of one zero-shot task: balanced accuracy and AUC against chance and, when the AUC is near
    /// chance, why (the phantom's findings at the model's input size, <paramref name="imageSize"/> px).
    /// </summary>
    internal static string ZeroShotReading(ZeroShotTask task, ClassificationReport r, int imageSize)
    {
        var chance = Reports.ChanceLevels.Of(r);
        return $"- {Reports.ChanceLevels.Reading($"{task} balanced accuracy", r.BalancedAccuracy, chance.BalancedAccuracy)} "
            + Reports.ChanceLevels.Reading($"{task} AUC", r.MacroAuc, chance.Auc)
            + (!(r.MacroAuc >= chance.Auc + 0.05)
                ? string.Create(CultureInfo.InvariantCulture, $" Findings in the phantom are small; at the model's input size ({imageSize} px) they may not show.")
                : "");
    }

    private static string Format(double value) => double.IsNaN(value) ? "n/a" : value.ToString("F3", CultureInfo.InvariantCulture);

    private static void Log(ICliProgress progress, Stopwatch clock, string line) => progress.Log($"[{clock.Elapsed:mm\\:ss}] {line}");

    private static int Fail(string message, int code) => ExitCodes.Fail(message, code);

    /// <summary>Collects the numbers of each stage and writes them as Markdown.</summary>
    private sealed class DemoReport(DemoSettings settings)
    {
        private readonly StringBuilder _body = new();

        public void Data(int images, int train, int heldOut) =>
            _body.AppendLine("## Data").AppendLine()
                .AppendLine(Invariant($"Synthetic phantom: {settings.Studies} studies ({images} images, {settings.Size}, seed {settings.Seed}); {train} train images, {heldOut} held-out images (validation + test splits)."))
                .AppendLine();

        public void Training(MaMAPretrainingResult r, TimeSpan elapsed)
        {
            _body.AppendLine("## Pretraining").AppendLine()
                .AppendLine("| preset | steps done / planned | stop reason | minutes | final loss |")
                .AppendLine("|---|---|---|---|---|")
                .AppendLine(Invariant($"| {(settings.ImageEncoder.Trim().ToLowerInvariant() == ImageEncoderChoice.ResNet18ImageNet ? "resnet18-imagenet" : "tiny")} | {r.Training.Step} / {settings.Steps} | {r.Training.StopReason} | {elapsed.TotalMinutes:F2} | {LastLoss(r.LogPath)} |"))
                .AppendLine()
                .AppendLine(Invariant($"Model: `{Path.GetFullPath(r.ModelDirectory)}`"))
                .AppendLine();
            if (TrainingSummary.BudgetWarning(r.Training, settings.Steps, settings.Minutes) is { } warning)
                _body.AppendLine($"**Warning:** {warning["warning: ".Length..]}").AppendLine();
        }

        private bool _zeroShotHeader;

        public void ZeroShot(ZeroShotTask task, ClassificationReport? r, int imageSize)
        {
            if (!_zeroShotHeader)
            {
                _body.AppendLine("## Zero-shot classification (held-out images)").AppendLine()
                    .AppendLine("Each metric with its chance level (what a model without skill gets) in brackets.").AppendLine()
                    .AppendLine("| task | n | accuracy | balanced accuracy | macro AUC | classes |")
                    .AppendLine("|---|---|---|---|---|---|");
                _zeroShotHeader = true;
            }
            if (r is null)
            {
                _body.AppendLine($"| {task} | 0 | n/a | n/a | n/a | no labelled image |");
                return;
            }
            var chance = Reports.ChanceLevels.Of(r);
            _body.AppendLine(Invariant($"| {task} | {r.Count} | {r.Accuracy:F3} ({chance.Accuracy:F3}) | {r.BalancedAccuracy:F3} ({chance.BalancedAccuracy:F3}) | {Format(r.MacroAuc)} ({chance.Auc:F3}) | {string.Join(", ", r.ClassNames)} |"));
            _readings.Add(ZeroShotReading(task, r, imageSize));
        }

        private readonly List<string> _readings = [];

        private readonly StringBuilder _plots = new();

        public void Plots(string markdown) => _plots.Append(markdown);

        public void Retrieval(double top1, int n) =>
            _body.AppendLine().AppendLine("Reading:").AppendJoin(Environment.NewLine, _readings).AppendLine().AppendLine().AppendLine(Invariant($"Image-to-caption retrieval top-1 among the {n} held-out captions: {top1:F3} (chance about {1.0 / n:F3})."))
                .AppendLine();

        public void LinearProbe(DemoLinearProbe.Result? r) =>
            _body.AppendLine("## Linear probe (density, frozen encoder)").AppendLine()
                .AppendLine(r is null
                    ? "No density labels: not run."
                    : Invariant($"A linear head on the frozen pooled feature (MaMAFineTune, LinearProbe), trained {r.Steps} steps on the train split, on {r.Count} held-out images: balanced accuracy {r.BalancedAccuracy:F3} (chance 0.25), log-loss {r.LogLoss:F3}."))
                .AppendLine();

        public void Onnx(OnnxCheck c, string path) =>
            _body.AppendLine("## ONNX export").AppendLine()
                .AppendLine(Invariant($"Image encoder: `{Path.GetFileName(path)}` ({c.Bytes} bytes). ONNX Runtime against TorchSharp on {c.Images} held-out images:"))
                .AppendLine()
                .AppendLine("| max abs difference | tolerance | passed | embedding norms |")
                .AppendLine("|---|---|---|---|")
                .AppendLine(Invariant($"| {c.MaxAbsDifference:E2} | {OnnxTolerance:E0} | {(c.MaxAbsDifference <= OnnxTolerance ? "yes" : "no")} | {c.MinNorm:F4} - {c.MaxNorm:F4} |"))
                .AppendLine();

        public string ToMarkdown(TimeSpan total) =>
            new StringBuilder().AppendLine("# MaMA.MLNet demo report").AppendLine()
                .AppendLine(Invariant($"`mama demo --studies {settings.Studies} --steps {settings.Steps} --minutes {settings.Minutes} --batch-size {settings.BatchSize} --size {settings.Size} --seed {settings.Seed}`; {Environment.ProcessorCount} logical cores; total {total.TotalMinutes:F2} minutes."))
                .AppendLine()
                .AppendLine("Phantom images and a tiny model: the numbers show the pipeline works end to end, not clinical performance.")
                .AppendLine()
                .Append(_body).Append(_plots).ToString();

        // The last step record of the training log (TrainingLogWriter: "total" is the summed loss).
        private static string LastLoss(string log)
        {
            if (!File.Exists(log)) return "n/a";
            string? last = File.ReadLines(log).LastOrDefault(l => l.Contains("\"type\":\"train\"", StringComparison.Ordinal));
            if (last is null) return "n/a";
            using var json = System.Text.Json.JsonDocument.Parse(last);
            return json.RootElement.TryGetProperty("total", out var value) && value.ValueKind == System.Text.Json.JsonValueKind.Number
                ? value.GetDouble().ToString("F4", CultureInfo.InvariantCulture)
                : "n/a";
        }

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }
}
