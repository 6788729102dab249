using System.Diagnostics;
using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Data.Phantom;
using MaMA.MLNet.Evaluation;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Onnx.Weights;
using MaMA.MLNet.Pretraining;
using Microsoft.ML;

namespace MaMA.MLNet.Benchmarks;

/// <summary>
/// Does MaMA pretraining improve on ImageNet features? Starts the <c>resnet18-imagenet</c> preset from ML.NET's
/// ImageNet ResNet18 (the ONNX file of Microsoft.ML.DnnImageFeaturizer.ResNet18), measures on held-out phantom
/// studies a linear probe (<see cref="FeatureProbe"/>) on the frozen pooled features for every target the phantom's
/// captions carry (density, mass present, calcification present, cancer) and zero-shot density and cancer,
/// pretrains, and measures again. Also the same probes on a randomly initialised ResNet (what the ImageNet weights
/// give), and with <c>--ablation</c> a CLIP-only run. <c>--image-lr-scale</c> and <c>--freeze-image-stages</c> set
/// how much of the ImageNet encoder adapts.
/// </summary>
public sealed class ResNetLearningProofBenchmark : IBenchmark
{
    public string Name => "resnet-learning-proof";
    public string Description =>
        "resnet18-imagenet preset on phantom studies: frozen ImageNet features vs MaMA-pretrained (probes for density, mass, calcification, cancer + zero-shot); [--studies 200] [--eval-studies 60] [--steps 200] [--minutes 20] [--batch-size 16] [--lr 5e-4] [--image-lr-scale 1] [--freeze-image-stages 0] [--warmup W] [--image-size 96] [--phantom-width 160] [--late-start S] [--clip-only] [--ablation] [--no-baselines] [--no-training] [--evaluate-model DIR] [--seed 1] [--out DIR]";

    // Probe targets: what the phantom draws and its captions say (per breast, so both views of a breast share them).
    private static readonly (string Name, string[] Classes, Func<MammogramRecord, int?> Label)[] Targets =
    [
        ("density", ["A", "B", "C", "D"], r => MaMAZeroShotEvaluation.Label(r, ZeroShotTask.Density)),
        ("mass", ["no", "yes"], r => r.MassShape is null ? 0 : 1),
        ("calcification", ["no", "yes"], r => r.CalcificationType is null ? 0 : 1),
        ("cancer", ["no", "yes"], r => MaMAZeroShotEvaluation.Label(r, ZeroShotTask.Cancer)),
    ];

    public int Run(string[] args)
    {
        var a = Arguments.Parse(args);
        int studies = a.Int("--studies", 200), evalStudies = a.Int("--eval-studies", 60), size = a.Int("--image-size", 96), seed = a.Int("--seed", 1);
        int phantomWidth = a.Int("--phantom-width", 160);
        string output = Path.GetFullPath(a.String("--out", Path.Combine(Path.GetTempPath(), "mama-resnet-learning-proof")));
        string weights = ResNetOnnxWeights.FindPackagedResNet18()
            ?? throw new FileNotFoundException($"{ResNetOnnxWeights.PackagedResNet18RelativePath} is not in the benchmark's output folder.");
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"threads {TorchSharp.torch.get_num_threads()}, {studies} train + {evalStudies} held-out studies, phantom {phantomWidth} px wide, image {size} px -> {output}");

        var generator = new PhantomGenerator(new PhantomOptions { Width = phantomWidth, Height = phantomWidth * 5 / 4, Seed = seed });
        var all = generator.WriteDataset(Path.Combine(output, "phantom"), studies + evalStudies);
        var order = all.Select(r => r.StudyId).Distinct().ToList();
        var trainStudies = order.Take(studies).ToHashSet(StringComparer.Ordinal);
        var train = all.Where(r => trainStudies.Contains(r.StudyId)).ToList();
        var heldOut = all.Where(r => !trainStudies.Contains(r.StudyId)).ToList();
        Console.WriteLine($"generated {train.Count} train / {heldOut.Count} held-out images in {clock.Elapsed.TotalSeconds:F0} s");
        foreach (var (name, classes, label) in Targets)
            Console.WriteLine($"  {name}: held-out class counts {string.Join(" / ", classes.Select((c, i) => $"{c} {heldOut.Count(r => label(r) == i)}"))}");

        var recipe = MaMAPretrainingOptions.ResNet18ImageNet(Path.Combine(output, "run"), weights);
        var options = recipe with
        {
            Config = recipe.ResolveConfig().WithImageSize(size),
            Steps = a.Long("--steps", 200),
            Minutes = a.Double("--minutes", 20),
            BatchSize = a.Int("--batch-size", recipe.BatchSize),
            LearningRate = a.Double("--lr", recipe.LearningRate),
            ImageLearningRateScale = a.Double("--image-lr-scale", recipe.ImageLearningRateScale),
            FreezeImageStages = a.Int("--freeze-image-stages", recipe.FreezeImageStages),
            WarmupSteps = a.Long("--warmup", recipe.WarmupSteps ?? 20),
            LateStartStep = a.Long("--late-start", recipe.LateStartStep ?? 60),
            MultiView = !a.Flag("--clip-only"),
            LocalAlignment = !a.Flag("--clip-only"),
            Seed = seed,
            CheckpointEvery = 0,
        };
        var config = options.ResolveConfig();
        var tokenizer = MaMAPretraining.CreateTokenizer(options, config);
        var ml = new MLContext(seed: seed);

        Console.WriteLine($"{"features",-44} {"steps",6} {"minutes",8} " + string.Join(" ", Targets.Select(t => $"{t.Name + " acc/AUC",22}")) + $" {"zero-shot density/cancer",25}");
        void Print(string label, long steps, double minutes, Measured m) =>
            Console.WriteLine($"{label,-44} {steps,6} {minutes,8:F1} " + string.Join(" ", m.Probes.Select(p => $"{$"{p.BalancedAccuracy:F3} / {p.Auc:F3}",22}")) +
                $" {$"{m.ZeroShotDensity:F3} / {m.ZeroShotCancer:F3}",25}");

        if (!a.Flag("--no-baselines"))
        {
            TorchRuntime.Seed(seed);
            using (var random = new MaMAModel(config)) Print("random ResNet (frozen)", 0, 0, Evaluate(ml, random, tokenizer, train, heldOut, fresh: true));
            TorchRuntime.Seed(seed);
            using var start = new MaMAModel(config);
            ResNetOnnxWeights.LoadInto(start, weights);
            Print("ImageNet ResNet18 (frozen start)", 0, 0, Evaluate(ml, start, tokenizer, train, heldOut, fresh: true));
        }

        // A model saved by an earlier run (same data and seed), measured with the same probes.
        if (a.String("--evaluate-model", "") is { Length: > 0 } saved)
        {
            using var earlier = MaMAModelDirectory.Load(saved).Model;
            Print($"saved: {Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(saved)))}", 0, 0, Evaluate(ml, earlier, tokenizer, train, heldOut, fresh: false));
        }
        if (a.Flag("--no-training")) return 0;

        string describe = $"lr {options.LearningRate:G3}, image x{options.ImageLearningRateScale:G3}, {options.FreezeImageStages} stages frozen";
        var runs = new List<(string Label, MaMAPretrainingOptions Options)> { ($"{(a.Flag("--clip-only") ? "CLIP only" : "MaMA")}, {describe}", options) };
        if (a.Flag("--ablation"))
            runs.Add(($"CLIP only, {describe}", options with { OutputDirectory = Path.Combine(output, "run-clip"), MultiView = false, LocalAlignment = false }));
        foreach (var (label, runOptions) in runs)
        {
            if (Directory.Exists(runOptions.OutputDirectory)) Directory.Delete(runOptions.OutputDirectory, recursive: true);
            var watch = Stopwatch.StartNew();
            var progress = new Progress<MaMA.MLNet.Training.TrainingProgress>(p =>
            {
                if (p.Step % 20 == 0) Console.WriteLine($"  step {p.Step} loss {p.TotalLoss:F4} lr {p.LearningRate:G3} {p.SamplesPerSecond:F1} img/s");
            });
            var result = MaMAPretraining.Run(train, runOptions, null, progress);
            using var trained = MaMAModelDirectory.Load(result.ModelDirectory).Model;
            Print(label, result.Training.Step, watch.Elapsed.TotalMinutes, Evaluate(ml, trained, tokenizer, train, heldOut, fresh: false));
        }
        Console.WriteLine($"total {clock.Elapsed.TotalMinutes:F1} min");
        return 0;
    }

    private sealed record Measured(IReadOnlyList<(double BalancedAccuracy, double Auc)> Probes, double ZeroShotDensity, double ZeroShotCancer);

    // Linear probes on the frozen pooled features (train images -> held-out images), one per target, and zero-shot.
    private static Measured Evaluate(MLContext ml, MaMAModel model, Modeling.Tokenization.MaMATokenizer tokenizer,
        IReadOnlyList<MammogramRecord> train, IReadOnlyList<MammogramRecord> heldOut, bool fresh)
    {
        model.eval();
        // A fresh model's feature norm gets the training images' statistics, as pretraining gives its saved model.
        if (fresh) MaMAZeroShotEvaluation.RecalibrateFeatureNorm(model, train);
        using var scope = TorchSharp.torch.NewDisposeScope();
        var trainFeatures = MaMAZeroShotEvaluation.Rows(MaMAZeroShotEvaluation.PooledFeatures(model, train));
        var testFeatures = MaMAZeroShotEvaluation.Rows(MaMAZeroShotEvaluation.PooledFeatures(model, heldOut));
        var probes = new List<(double, double)>();
        foreach (var (_, classes, label) in Targets)
        {
            var trainRows = Enumerable.Range(0, train.Count).Where(i => label(train[i]) is not null).ToList();
            var testRows = Enumerable.Range(0, heldOut.Count).Where(i => label(heldOut[i]) is not null).ToList();
            var probe = FeatureProbe.Evaluate(ml, trainRows.Select(i => trainFeatures[i]).ToList(), trainRows.Select(i => label(train[i])!.Value).ToList(),
                testRows.Select(i => testFeatures[i]).ToList(), testRows.Select(i => label(heldOut[i])!.Value).ToList(), classes);
            probes.Add((probe.BalancedAccuracy, probe.MacroAuc));
        }
        double ZeroShot(ZeroShotTask task) => MaMAZeroShotEvaluation.Classify(model, tokenizer, heldOut, task)?.BalancedAccuracy
            ?? throw new InvalidOperationException($"the held-out phantom images have no {task} labels");
        return new Measured(probes, ZeroShot(ZeroShotTask.Density), ZeroShot(ZeroShotTask.Cancer));
    }
}
