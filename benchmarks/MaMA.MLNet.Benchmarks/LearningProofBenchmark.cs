using System.Diagnostics;
using System.Globalization;
using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Data.Phantom;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Pretraining;
using MaMA.MLNet.Training;

namespace MaMA.MLNet.Benchmarks;

/// <summary>
/// Does the tiny preset learn? Generates phantom studies (the first N train, the next E are held out), measures
/// zero-shot density balanced accuracy (chance 0.25), image-to-text retrieval top-1 (chance 1/images) and density-level
/// image-to-text retrieval precision@1 (<see cref="CategoryRetrieval"/>, chance 0.25) of a fresh
/// model on the held-out images, pretrains with the tiny defaults for a wall-clock budget, and measures again.
/// With <c>--ablation</c> a second run with the multi-view and local losses off is measured the same way.
/// Writes <c>loss-curve.csv</c> (and <c>loss-curve-ablation.csv</c>) per step into the output folder.
/// <c>--diagnose</c> only prints how alike a fresh model's image and text embeddings are (the collapse check).
/// </summary>
public sealed class LearningProofBenchmark : IBenchmark
{
    public string Name => "learning-proof";
    public string Description =>
        "tiny preset from scratch on phantom studies: zero-shot density + retrieval before/after; [--studies 1000] [--eval-studies 100] [--minutes 15] [--steps S] [--batch-size B] [--lr X] [--warmup W] [--late-start S] [--mask-probability P] [--image-size P] [--feature-norm on|off] [--no-multi-view] [--no-local] [--validate-every N] [--ablation] [--plot-only] [--evaluate-model DIR] [--select-by METRIC [--validation-studies 50]] [--diagnose] [--out DIR]";

    public int Run(string[] args)
    {
        var a = Arguments.Parse(args);
        int studies = a.Int("--studies", 1000), evalStudies = a.Int("--eval-studies", 100);
        double minutes = a.Double("--minutes", 15);
        var defaults = MaMAPretrainingOptions.TinyFromScratch(outputDirectory: "unused");
        int imageSize = a.Int("--image-size", defaults.ResolveConfig().ImageSize);
        string output = Path.GetFullPath(a.String("--out", Path.Combine(Path.GetTempPath(), "mama-learning-proof")));
        bool ablation = a.Flag("--ablation");
        if (a.Flag("--plot-only")) return PlotOnly(output);

        Console.WriteLine($"threads {TorchSharp.torch.get_num_threads()}, {studies} train + {evalStudies} held-out studies, {minutes} min budget, image {imageSize} px -> {output}");
        var clock = Stopwatch.StartNew();
        var generator = new PhantomGenerator(new PhantomOptions { Width = 160, Height = 200, Seed = a.Int("--seed", 1) });
        // --select-by METRIC: a separate validation split (generated after the held-out studies) chooses the saved
        // weights; the held-out studies are the same ones as without it.
        string? selectBy = a.String("--select-by", "") is { Length: > 0 } m ? m : null;
        int validationStudies = selectBy is null ? 0 : a.Int("--validation-studies", 50);
        var all = generator.WriteDataset(Path.Combine(output, "phantom"), studies + evalStudies + validationStudies);
        var order = all.Select(r => r.StudyId).Distinct().ToList();
        var trainStudies = order.Take(studies).ToHashSet(StringComparer.Ordinal);
        var heldOutStudies = order.Skip(studies).Take(evalStudies).ToHashSet(StringComparer.Ordinal);
        var train = all.Where(r => trainStudies.Contains(r.StudyId)).ToList();
        var heldOut = all.Where(r => heldOutStudies.Contains(r.StudyId)).ToList();
        var validation = selectBy is null ? heldOut : all.Where(r => !trainStudies.Contains(r.StudyId) && !heldOutStudies.Contains(r.StudyId)).ToList();
        Console.WriteLine($"generated {train.Count} train / {heldOut.Count} held-out images in {clock.Elapsed.TotalSeconds:F0} s");

        var options = defaults with
        {
            OutputDirectory = Path.Combine(output, "run"),
            Minutes = minutes,
            Steps = a.Long("--steps", defaults.Steps),
            BatchSize = a.Int("--batch-size", defaults.BatchSize),
            LearningRate = a.Double("--lr", defaults.LearningRate),
            LateStartStep = a.Long("--late-start", defaults.LateStartStep ?? 20),
            WarmupSteps = a.Long("--warmup", defaults.WarmupSteps ?? 20),
            MaskProbability = a.Double("--mask-probability", defaults.MaskProbability),
            Config = defaults.ResolveConfig() is var c
                ? c with { Vision = c.Vision with { ImageSize = imageSize }, GlobalImageFeatureNorm = a.String("--feature-norm", "on") != "off" }
                : null,
            CheckpointEvery = 0,
            ValidateEvery = a.Long("--validate-every", 100),
            SelectBy = selectBy,
            MultiView = !a.Flag("--no-multi-view"),
            LocalAlignment = !a.Flag("--no-local"),
        };
        string firstLabel = (options.MultiView, options.LocalAlignment) switch
        {
            (true, true) => "full MaMA",
            (false, false) => "CLIP only",
            (true, false) => "no local loss",
            (false, true) => "no multi-view",
        };
        var runs = new List<(string Label, MaMAPretrainingOptions Options, string Csv)> { (firstLabel, options, "loss-curve.csv") };
        if (ablation)
            runs.Add(("CLIP only", options with { OutputDirectory = Path.Combine(output, "run-ablation"), MultiView = false, LocalAlignment = false }, "loss-curve-ablation.csv"));

        if (a.String("--evaluate-model", "") is { Length: > 0 } saved)
        {
            using var loadedModel = MaMAModelDirectory.Load(saved).Model;
            var metrics = ValidationMetrics.Compute(loadedModel, MaMAPretraining.CreateTokenizer(options, loadedModel.Config), heldOut);
            foreach (var (name, value) in metrics) Console.WriteLine($"  {name} {value:G4}");
            return 0;
        }
        if (a.Flag("--diagnose"))
        {
            Diagnose(options, heldOut.Take(32).ToList(), a.String("--model", ""));
            return 0;
        }
        var before = Evaluate(options, heldOut, fresh: true);
        Console.WriteLine($"{"model",-22} {"steps",6} {"minutes",8} {"density bal. acc",17} {"i2t top-1",10} {"density P@1",12} (chance 0.25 / {1.0 / heldOut.Count:F4} / 0.25)");
        Console.WriteLine($"{"fresh (before)",-22} {0,6} {0,8:F1} {before.Density,17:F3} {before.Top1,10:F4} {before.DensityPrecision,12:F3}");
        foreach (var (label, runOptions, csv) in runs)
        {
            if (Directory.Exists(runOptions.OutputDirectory)) Directory.Delete(runOptions.OutputDirectory, recursive: true);
            var curve = new LossCurve(Path.Combine(output, csv));
            var start = Stopwatch.StartNew();
            var result = MaMAPretraining.Run(train, runOptions, validation, curve);
            if (result.SelectedStep is { } chosen) Console.WriteLine($"  saved the weights of step {chosen} (best {selectBy} on {validation.Count} validation images)");
            curve.Dispose();
            PrintValidation(result.LogPath);
            string png = Path.ChangeExtension(Path.Combine(output, csv), ".png");
            try
            {
                MaMA.MLNet.Reporting.ReportPlots.LossCurvesFromCsv(Path.Combine(output, csv), png, $"learning-proof: {label} ({result.Training.Step} steps)");
                Console.WriteLine($"  loss curves: {png}");
            }
            catch (MaMA.MLNet.Reporting.PlotRenderingException e)
            {
                Console.WriteLine($"  no loss plot: {e.Message}");
            }
            Console.WriteLine($"  garbage collections so far: gen0 {GC.CollectionCount(0)}, gen1 {GC.CollectionCount(1)}, gen2 {GC.CollectionCount(2)}; GC mode {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}");
            var after = Evaluate(runOptions with { OutputDirectory = result.ModelDirectory }, heldOut, fresh: false);
            Console.WriteLine($"{label + " (after)",-22} {result.Training.Step,6} {start.Elapsed.TotalMinutes,8:F1} {after.Density,17:F3} {after.Top1,10:F4} {after.DensityPrecision,12:F3}");
        }
        Console.WriteLine($"loss curves in {output}; total {clock.Elapsed.TotalMinutes:F1} min");
        return 0;
    }

    // How alike a fresh model's embeddings are across different images and captions (a collapse check).
    // modelDirectory: a trained model to check instead of a fresh one.
    private static void Diagnose(MaMAPretrainingOptions options, IReadOnlyList<MammogramRecord> records, string modelDirectory)
    {
        TorchRuntime.Seed(options.Seed);
        using var model = modelDirectory.Length > 0 ? MaMAModelDirectory.Load(modelDirectory).Model : new MaMAModel(options.ResolveConfig());
        var config = model.Config;
        var tokenizer = MaMAPretraining.CreateTokenizer(options, config);
        model.eval();
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var noGrad = TorchSharp.torch.no_grad();
        var images = MaMAZeroShotEvaluation.EmbedImages(model, records);
        var captions = records.Select(r => StructuredCaptionBuilder.Unmasked.Build(r, null)).ToList();
        var (ids, mask) = tokenizer.EncodeCaptions(captions, config.TextMaxLength).ToTensors();
        var texts = model.EncodeTexts(ids, mask);
        int n = records.Count;
        double Off(TorchSharp.torch.Tensor e)
        {
            var g = e.matmul(e.t());
            return (g.sum().item<float>() - g.diagonal().sum().item<float>()) / (n * (n - 1));
        }
        Console.WriteLine($"mean off-diagonal cosine over {n}: images {Off(images):F5}, texts {Off(texts):F5}; caption tokens {mask.sum(1).to(TorchSharp.torch.ScalarType.Float32).mean().item<float>():F0}");
        Console.WriteLine($"image embedding std over the batch (mean over dims) {images.std(0).mean().item<float>():G4}, text {texts.std(0).mean().item<float>():G4}");
        // The same images through the ViT alone: which pooling keeps them apart at init?
        int size = config.ImageSize;
        var preprocessor = new MaMA.MLNet.Imaging.Preprocessing.MammogramPreprocessor(new MaMA.MLNet.Imaging.Preprocessing.PreprocessingOptions { ImageSize = size });
        var pixels = records.SelectMany(r => MaMAZeroShotEvaluation.EvalPixels(r, preprocessor)).ToArray();
        var vit = model.ImageEncoder.Encode(TorchSharp.torch.tensor(pixels, [n, 3, size, size]));
        var unit = (TorchSharp.torch.Tensor t) => TorchSharp.torch.nn.functional.normalize(t, p: 2, dim: -1);
        Console.WriteLine($"image features, mean pairwise cosine: pooled (used) {Off(unit(vit.PooledFeature)):F5}, " +
                          $"mean of local features {Off(unit(vit.PatchTokens.mean([1]))):F5}, centred local features flattened {Off(unit((vit.PatchTokens - vit.PatchTokens.mean([0], keepdim: true)).flatten(1))):F5}");
    }

    // Redraws the PNGs of an output folder's runs: each loss-curve CSV, and the validation density curves of run/ and
    // run-ablation/ in one plot (the held-out studies, or the separate validation split with --select-by).
    private static int PlotOnly(string output)
    {
        foreach (var csv in Directory.EnumerateFiles(output, "loss-curve*.csv"))
            MaMA.MLNet.Reporting.ReportPlots.LossCurvesFromCsv(csv, Path.ChangeExtension(csv, ".png"), "learning-proof: " + Path.GetFileNameWithoutExtension(csv));
        var points = new List<(string, long, double)>();
        foreach (var (folder, name) in new[] { ("run", "full MaMA"), ("run-ablation", "CLIP only") })
        {
            string log = Path.Combine(output, folder, MaMAPretraining.LogFile);
            if (!File.Exists(log)) continue;
            foreach (var (step, metrics) in ValidationLines(log))
                if (metrics.TryGetValue(ValidationMetrics.DensityBalancedAccuracy, out double v)) points.Add((name, step, v));
        }
        if (points.Count > 0)
            MaMA.MLNet.Reporting.ReportPlots.LossCurves(points, Path.Combine(output, "validation-density.png"), "Zero-shot density on the validation images (chance 0.25)", yLabel: "Balanced accuracy");
        Console.WriteLine($"plots written to {output}");
        return 0;
    }

    private static IEnumerable<(long Step, Dictionary<string, double> Metrics)> ValidationLines(string logPath)
    {
        foreach (var line in File.ReadLines(logPath))
        {
            using var json = System.Text.Json.JsonDocument.Parse(line);
            var root = json.RootElement;
            if (root.GetProperty("type").GetString() != "validation") continue;
            // Non-finite values are written as strings ("NaN").
            var metrics = root.GetProperty("metrics").EnumerateObject().ToDictionary(p => p.Name,
                p => p.Value.ValueKind == System.Text.Json.JsonValueKind.String ? double.Parse(p.Value.GetString()!, CultureInfo.InvariantCulture) : p.Value.GetDouble(),
                StringComparer.Ordinal);
            yield return (root.GetProperty("step").GetInt64(), metrics);
        }
    }

    // The held-out zero-shot curve from the run's JSONL log (validation lines).
    private static void PrintValidation(string logPath)
    {
        foreach (var (step, m) in ValidationLines(logPath))
        {
            double Get(string name) => m.TryGetValue(name, out var v) ? v : double.NaN;
            Console.WriteLine($"  validation step {step,5}: density bal. acc {Get(ValidationMetrics.DensityBalancedAccuracy):F3} " +
                              $"auc {Get(ValidationMetrics.DensityAuc):F3}, i2t top-1 {Get(ValidationMetrics.ImageToTextTop1):F4}, " +
                              $"image-to-report top-1 {Get(ValidationMetrics.ImageToClinicalTextTop1):F3} (chance 1/{Get(ValidationMetrics.DistinctClinicalCaptions):F0}), " +
                              $"density retrieval P@1 {Get(ValidationMetrics.DensityRetrievalPrecisionAt1):F3} P@5 {Get(ValidationMetrics.DensityRetrievalPrecisionAt5):F3}");
        }
    }

    // fresh: the model MaMAPretraining.Run starts from (same seed, same config); else the saved model directory.
    private static (double Density, double Top1, double DensityPrecision) Evaluate(MaMAPretrainingOptions options, IReadOnlyList<MammogramRecord> heldOut, bool fresh)
    {
        var config = options.ResolveConfig();
        var tokenizer = MaMAPretraining.CreateTokenizer(options, config);
        MaMAModel model;
        if (fresh)
        {
            TorchRuntime.Seed(options.Seed);
            model = new MaMAModel(config);
        }
        else model = MaMAModelDirectory.Load(options.OutputDirectory).Model;
        using (model)
        {
            model.eval();
            using var scope = TorchSharp.torch.NewDisposeScope();
            var images = MaMAZeroShotEvaluation.EmbedImages(model, heldOut); // once, for all three measures
            var report = MaMAZeroShotEvaluation.Classify(model, tokenizer, heldOut, ZeroShotTask.Density, images)
                ?? throw new InvalidOperationException("the held-out phantom images have no density labels");
            var retrieval = CategoryRetrieval.Evaluate(model, tokenizer, heldOut, ZeroShotTask.Density, [1], images);
            return (report.BalancedAccuracy, MaMAZeroShotEvaluation.ImageToTextTop1(model, tokenizer, heldOut, images), retrieval.PrecisionAtK[1]);
        }
    }

    /// <summary>
    /// The loss curve in long form, one line per step and term (the late terms appear only from their start step):
    /// step, elapsed seconds, learning rate, term ("total" or a loss name), value.
    /// </summary>
    private sealed class LossCurve : IProgress<TrainingProgress>, IDisposable
    {
        private readonly StreamWriter writer;

        public LossCurve(string path)
        {
            writer = new StreamWriter(path);
            writer.WriteLine("step,elapsed_s,lr,term,value");
        }

        public void Report(TrainingProgress p)
        {
            string prefix = string.Create(CultureInfo.InvariantCulture, $"{p.Step},{p.Elapsed.TotalSeconds:G6},{p.LearningRate:G6},");
            writer.WriteLine(prefix + "total," + p.TotalLoss.ToString("G6", CultureInfo.InvariantCulture));
            foreach (var (term, value) in p.Losses) writer.WriteLine(prefix + term + "," + value.ToString("G6", CultureInfo.InvariantCulture));
            writer.Flush();
            if (p.Step % 10 == 0) Console.WriteLine($"  step {p.Step} loss {p.TotalLoss:F4} lr {p.LearningRate:G3} {p.SamplesPerSecond:F1} img/s");
        }

        public void Dispose() => writer.Dispose();
    }
}
