using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MaMA.MLNet.Data.Phantom;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Text;
using MaMA.MLNet.Modeling.Tokenization;
using MaMA.MLNet.Training;
using MaMA.MLNet.Training.MaMA;

namespace MaMA.MLNet.Benchmarks;

/// <summary>
/// Pretraining steps of the paper-size model on this machine: mama-base (DINOv2 ViT-B/14-reg at 518 px, a 32-layer
/// 2560-wide GPT-2 of BioMedLM's size frozen in bfloat16 with LoRA r8, both views and the local loss from step 0)
/// through the pretraining engine (<see cref="PretrainingTrainer{TPrepared, TBatch}"/> with <see cref="MaMAObjective"/>
/// and <see cref="MaMATrainingData"/> on phantom PNGs), with or without activation recomputation. Reports the RSS
/// after building the model, the peak RSS during the steps (the kernel's high-water mark, reset after the build), the
/// seconds per step, and the FLOPs per step counted from the shapes (matmuls and attention; backward 2x forward for
/// the trained ViT, 1x for the frozen text base whose input gradients still flow to LoRA; recomputation adds one
/// forward of each). The tokenizer is a BPE of BioMedLM's size (28,896) cut from GPT-2's merges; random weights.
/// </summary>
public sealed class MaMABaseStepBenchmark : IBenchmark
{
    public string Name => "mama-base-step";
    public string Description => "mama-base pretraining steps, peak RSS, s/step, FLOPs; [--recompute] [--steps 2] [--batch 2] [--image-size 518] [--text-layers 32] [--max-rss-mib 20000] [--out DIR]";

    public int Run(string[] args)
    {
        var a = Arguments.Parse(args);
        bool recompute = a.Flag("--recompute");
        long steps = a.Long("--steps", 2);
        int batch = a.Int("--batch", 2);
        int imageSize = a.Int("--image-size", 518);
        int textLayers = a.Int("--text-layers", 32);
        string output = Path.GetFullPath(a.String("--out", Path.Combine(Path.GetTempPath(), "mama-base-step")));
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);

        string tokenizerDirectory = WriteBioMedLmSizeVocabulary(Path.Combine(output, "tokenizer"), BioMedLmVocabularySize);
        var tokenizer = MaMATokenizer.FromDirectory(tokenizerDirectory);
        var records = new PhantomGenerator(new PhantomOptions { Width = 600, Height = 740, Seed = 3 })
            .WriteDataset(Path.Combine(output, "phantom"), Math.Max(2, batch));
        var config = MaMAConfig.MaMABase with
        {
            Vision = MaMAConfig.MaMABase.Vision with { ImageSize = imageSize },
            Text = Gpt2Config.BioMedLM with { Layers = textLayers },
            FrozenTextBaseDType = "bfloat16",
        };
        Console.WriteLine($"mama-base: ViT-B/14-reg {imageSize} px, GPT-2 {textLayers}x{config.Text.Width} (vocab {tokenizer.VocabularySize:N0}) frozen in bfloat16, LoRA r{config.Lora!.Rank}, " +
            $"batch {batch}, both views, local loss, recomputation {(recompute ? "on" : "off")}, {steps} steps, threads {TorchSharp.torch.get_num_threads()}, load {LoadAverage()}");

        // A shared machine: stop the process (exit 3) rather than let it push others out of memory.
        double limit = a.Double("--max-rss-mib", 20_000);
        var watchdog = new Thread(() =>
        {
            while (true)
            {
                double rss = RssMiB();
                if (rss > limit)
                {
                    Console.WriteLine($"RESULT recompute={(recompute ? "on" : "off")} batch={batch} ABORTED: RSS {rss:F0} MiB passed the limit of {limit:F0} MiB");
                    Environment.Exit(3);
                }
                Thread.Sleep(200);
            }
        }) { IsBackground = true };
        watchdog.Start();

        double rssBefore = RssMiB();
        var build = Stopwatch.StartNew();
        TorchRuntime.Seed(1);
        using var model = new MaMAModel(config);
        double rssModel = RssMiB();
        Console.WriteLine($"model built in {build.Elapsed.TotalSeconds:F0} s: RSS {rssBefore:F0} -> {rssModel:F0} MiB (peak during the build {PeakRssMiB():F0} MiB)");
        ResetPeakRss();

        model.RecomputeActivations = recompute;
        var objective = new MaMAObjective(model, new MaMAObjectiveOptions { LateStartStep = 0, MultiView = true, LocalAlignment = true });
        var data = new MaMATrainingData(records, tokenizer, new MaMATrainingDataOptions
        {
            ImageSize = imageSize, SecondView = true, TextLength = config.TextMaxLength, MaskProbability = 0.8,
        });
        var steps_ = new StepTimes();
        var trainer = new PretrainingTrainer<MaMAPreparedBatch, MaMABatch>(objective, data, new TrainerOptions
        {
            TotalSteps = steps,
            MicroBatchSize = batch,
            LearningRate = 4e-5,
            WarmupSteps = 0,
            Seed = 1,
            PrefetchWorkers = 1,
        }, null, steps_);
        var result = trainer.Run();
        double peak = PeakRssMiB();

        double flops = FlopsPerStep(config, batch, recompute);
        Console.WriteLine($"stopped: {result.StopReason} at step {result.Step}");
        for (int i = 0; i < steps_.Seconds.Count; i++)
            Console.WriteLine($"  step {i + 1}: {steps_.Seconds[i]:F1} s, loss {steps_.Losses[i]:F4}, {flops / steps_.Seconds[i] / 1e9:F1} GFLOP/s");
        double perStep = steps_.Seconds.Count > 1 ? steps_.Seconds.Skip(1).Average() : steps_.Seconds.Last();
        Console.WriteLine($"RESULT recompute={(recompute ? "on" : "off")} batch={batch} rss_model_MiB={rssModel:F0} peak_rss_steps_MiB={peak:F0} " +
            $"s_per_step={perStep:F1} tflop_per_step={flops / 1e12:F2} ({FlopBreakdown(config, batch, recompute)})");
        return 0;
    }

    /// <summary>BioMedLM's vocabulary size.</summary>
    public const int BioMedLmVocabularySize = 28_896;

    /// <summary>
    /// A byte-level BPE of <paramref name="size"/> tokens cut from GPT-2's: the 256 byte tokens, the first
    /// size - 257 merges (each merge's token has id 256 + its rank in GPT-2) and <c>&lt;|endoftext|&gt;</c> last.
    /// </summary>
    public static string WriteBioMedLmSizeVocabulary(string directory, int size)
    {
        var vocabulary = BundledGpt2Vocabulary.Vocabulary();
        var merges = BundledGpt2Vocabulary.Merges().Take(size - 257).ToList();
        var kept = vocabulary.Where(kv => kv.Value < size - 1).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        kept["<|endoftext|>"] = size - 1;
        if (kept.Count != size) throw new InvalidOperationException($"cut vocabulary has {kept.Count} tokens, not {size}");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "vocab.json"), JsonSerializer.Serialize(kept));
        File.WriteAllLines(Path.Combine(directory, "merges.txt"), ["#version: 0.2", .. merges.Select(m => m.Left + " " + m.Right)]);
        return directory;
    }

    /// <summary>Forward FLOPs (2 per multiply-add) of the ViT for one image and of the text encoder for one caption.</summary>
    public static (double Vision, double Text) ForwardFlops(MaMAConfig config)
    {
        var v = config.Vision;
        double n = 1 + v.RegisterCount + (double)v.GridSize * v.GridSize, d = v.Width, h = v.FeedForwardHidden;
        double visionBlock = 2 * n * (4 * d * d + 2 * d * h) + 4 * n * n * d;
        double vision = v.Depth * visionBlock + 2 * (double)v.GridSize * v.GridSize * 3 * v.PatchSize * v.PatchSize * d;
        var t = config.Text;
        double s = config.TextMaxLength, w = t.Width, m = t.MlpWidth;
        double textBlock = 2 * s * (4 * w * w + 2 * w * m) + 4 * s * s * w;
        return (vision, t.Layers * textBlock);
    }

    /// <summary>FLOPs of one training step (see the class remarks for the multipliers); heads and losses are negligible.</summary>
    public static double FlopsPerStep(MaMAConfig config, int batch, bool recompute)
    {
        var (vision, text) = ForwardFlops(config);
        double images = 2.0 * batch, captions = batch;
        return images * vision * (recompute ? 4 : 3) + captions * text * (recompute ? 3 : 2);
    }

    private static string FlopBreakdown(MaMAConfig config, int batch, bool recompute)
    {
        var (vision, text) = ForwardFlops(config);
        return $"ViT forward {vision / 1e9:F0} GFLOP/image x {2 * batch} images x {(recompute ? 4 : 3)}, text forward {text / 1e9:F0} GFLOP/caption x {batch} x {(recompute ? 3 : 2)}";
    }

    private static double RssMiB() => StatusKiB("VmRSS:") / 1024.0;

    private static double PeakRssMiB() => StatusKiB("VmHWM:") / 1024.0;

    private static long StatusKiB(string key)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(key, StringComparison.Ordinal))
                return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return 0;
    }

    // Writing 5 to clear_refs resets the peak RSS (VmHWM) to the current RSS (Linux 4.0+).
    private static void ResetPeakRss()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); }
        catch (IOException e) { Console.WriteLine($"cannot reset the peak RSS ({e.Message}); the peak includes the build"); }
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private sealed class StepTimes : IProgress<TrainingProgress>
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private double last;
        public List<double> Seconds { get; } = [];
        public List<double> Losses { get; } = [];

        public void Report(TrainingProgress value)
        {
            double now = clock.Elapsed.TotalSeconds;
            Seconds.Add(now - last);
            Losses.Add(value.TotalLoss);
            last = now;
            Console.WriteLine($"  step {value.Step} done at {now:F0} s, peak RSS so far {PeakRssMiB():F0} MiB");
        }
    }
}
