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
/// studies the zero-shot density balanced accuracy and a linear probe (<see cref="FeatureProbe"/>) on the frozen
/// pooled features, pretrains, and measures again. Also the same probe on a randomly initialised ResNet (what the
/// ImageNet weights give), and with <c>--ablation</c> a CLIP-only run.
/// </summary>
public sealed class ResNetLearningProofBenchmark : IBenchmark
{
    public string Name => "resnet-learning-proof";
    public string Description =>
        "resnet18-imagenet preset on phantom studies: frozen ImageNet features vs MaMA-pretrained (probe + zero-shot); [--studies 200] [--eval-studies 60] [--steps 200] [--minutes 20] [--batch-size 16] [--lr 5e-4] [--image-size 96] [--late-start S] [--ablation] [--evaluate-model DIR] [--seed 1] [--out DIR]";

    public int Run(string[] args)
    {
        var a = Arguments.Parse(args);
        int studies = a.Int("--studies", 200), evalStudies = a.Int("--eval-studies", 60), size = a.Int("--image-size", 96), seed = a.Int("--seed", 1);
        string output = Path.GetFullPath(a.String("--out", Path.Combine(Path.GetTempPath(), "mama-resnet-learning-proof")));
        string weights = ResNetOnnxWeights.FindPackagedResNet18()
            ?? throw new FileNotFoundException($"{ResNetOnnxWeights.PackagedResNet18RelativePath} is not in the benchmark's output folder.");
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"threads {TorchSharp.torch.get_num_threads()}, {studies} train + {evalStudies} held-out studies, image {size} px -> {output}");

        var generator = new PhantomGenerator(new PhantomOptions { Width = 160, Height = 200, Seed = seed });
        var all = generator.WriteDataset(Path.Combine(output, "phantom"), studies + evalStudies);
        var order = all.Select(r => r.StudyId).Distinct().ToList();
        var trainStudies = order.Take(studies).ToHashSet(StringComparer.Ordinal);
        var train = all.Where(r => trainStudies.Contains(r.StudyId)).ToList();
        var heldOut = all.Where(r => !trainStudies.Contains(r.StudyId)).ToList();
        Console.WriteLine($"generated {train.Count} train / {heldOut.Count} held-out images in {clock.Elapsed.TotalSeconds:F0} s");

        var recipe = MaMAPretrainingOptions.ResNet18ImageNet(Path.Combine(output, "run"), weights);
        var options = recipe with
        {
            Config = recipe.ResolveConfig().WithImageSize(size),
            Steps = a.Long("--steps", 200),
            Minutes = a.Double("--minutes", 20),
            BatchSize = a.Int("--batch-size", recipe.BatchSize),
            LearningRate = a.Double("--lr", recipe.LearningRate),
            LateStartStep = a.Long("--late-start", recipe.LateStartStep ?? 60),
            Seed = seed,
            CheckpointEvery = 0,
        };
        var config = options.ResolveConfig();
        var tokenizer = MaMAPretraining.CreateTokenizer(options, config);
        var ml = new MLContext(seed: seed);

        Console.WriteLine($"{"features",-34} {"steps",6} {"minutes",8} {"probe bal. acc",15} {"probe AUC",10} {"zero-shot bal. acc",19} (chance 0.25)");
        void Print(string label, long steps, double minutes, (double Probe, double ProbeAuc, double ZeroShot) m) =>
            Console.WriteLine($"{label,-34} {steps,6} {minutes,8:F1} {m.Probe,15:F3} {m.ProbeAuc,10:F3} {m.ZeroShot,19:F3}");

        TorchRuntime.Seed(seed);
        using (var random = new MaMAModel(config)) Print("random ResNet (frozen)", 0, 0, Evaluate(ml, random, tokenizer, train, heldOut, fresh: true));
        TorchRuntime.Seed(seed);
        using (var start = new MaMAModel(config))
        {
            ResNetOnnxWeights.LoadInto(start, weights);
            Print("ImageNet ResNet18 (frozen start)", 0, 0, Evaluate(ml, start, tokenizer, train, heldOut, fresh: true));
        }

        // A model saved by an earlier run (same data and seed), measured with the same probe.
        if (a.String("--evaluate-model", "") is { Length: > 0 } saved)
        {
            using var earlier = MaMAModelDirectory.Load(saved).Model;
            Print($"saved: {Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(saved)))}", 0, 0, Evaluate(ml, earlier, tokenizer, train, heldOut, fresh: false));
        }

        var runs = new List<(string Label, MaMAPretrainingOptions Options)> { ("MaMA-pretrained from ImageNet", options) };
        if (a.Flag("--ablation"))
            runs.Add(("CLIP only from ImageNet", options with { OutputDirectory = Path.Combine(output, "run-clip"), MultiView = false, LocalAlignment = false }));
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

    // Linear probe for density on the frozen pooled features (train images -> held-out images) and zero-shot density.
    private static (double Probe, double ProbeAuc, double ZeroShot) Evaluate(MLContext ml, MaMAModel model, Modeling.Tokenization.MaMATokenizer tokenizer,
        IReadOnlyList<MammogramRecord> train, IReadOnlyList<MammogramRecord> heldOut, bool fresh)
    {
        model.eval();
        // A fresh model's feature norm gets the training images' statistics, as pretraining gives its saved model.
        if (fresh) MaMAZeroShotEvaluation.RecalibrateFeatureNorm(model, train);
        using var scope = TorchSharp.torch.NewDisposeScope();
        static (List<MammogramRecord> Rows, List<int> Labels) Labelled(IReadOnlyList<MammogramRecord> records)
        {
            var rows = records.Where(r => MaMAZeroShotEvaluation.Label(r, ZeroShotTask.Density) is not null).ToList();
            return (rows, rows.Select(r => MaMAZeroShotEvaluation.Label(r, ZeroShotTask.Density)!.Value).ToList());
        }
        var (trainRows, trainLabels) = Labelled(train);
        var (testRows, testLabels) = Labelled(heldOut);
        var trainFeatures = MaMAZeroShotEvaluation.Rows(MaMAZeroShotEvaluation.PooledFeatures(model, trainRows));
        var testFeatures = MaMAZeroShotEvaluation.Rows(MaMAZeroShotEvaluation.PooledFeatures(model, testRows));
        var probe = FeatureProbe.Evaluate(ml, trainFeatures, trainLabels, testFeatures, testLabels, ["A", "B", "C", "D"]);
        var zeroShot = MaMAZeroShotEvaluation.Classify(model, tokenizer, heldOut, ZeroShotTask.Density)
            ?? throw new InvalidOperationException("the held-out phantom images have no density labels");
        return (probe.BalancedAccuracy, probe.MacroAuc, zeroShot.BalancedAccuracy);
    }
}
