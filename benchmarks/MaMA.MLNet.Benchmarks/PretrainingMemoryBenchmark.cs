using System.Diagnostics;
using MaMA.MLNet.Data.Phantom;
using MaMA.MLNet.Pretraining;
using MaMA.MLNet.Training;

namespace MaMA.MLNet.Benchmarks;

/// <summary>
/// Resident memory of a whole pretraining run as `mama demo` runs it (the tiny from-scratch recipe on phantom
/// studies, prefetch workers, late start of all losses): the process RSS, the managed heap and the collections,
/// every 50 steps. The peer is the run's own warm state: RSS after the warm-up (step 50) against RSS at the end,
/// and the growth per step in between. A leak of a few MB per step shows as a ratio well above 1.
/// </summary>
public sealed class PretrainingMemoryBenchmark : IBenchmark
{
    public string Name => "pretraining-memory";
    public string Description => "RSS and managed heap over a tiny pretraining run on phantom studies; [--studies 300] [--steps 600] [--late-start 150] [--out DIR]";

    public int Run(string[] args)
    {
        var a = Arguments.Parse(args);
        int studies = a.Int("--studies", 300);
        long steps = a.Long("--steps", 600);
        string output = Path.GetFullPath(a.String("--out", Path.Combine(Path.GetTempPath(), "mama-pretraining-memory")));
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        var records = new PhantomGenerator(new PhantomOptions { Width = 160, Height = 200, Seed = 1 })
            .WriteDataset(Path.Combine(output, "phantom"), studies);
        var options = MaMAPretrainingOptions.TinyFromScratch(Path.Combine(output, "run")) with
        {
            Steps = steps,
            WarmupSteps = 20,
            LateStartStep = a.Long("--late-start", 150),
            CheckpointEvery = steps,
        };
        Console.WriteLine($"{records.Count} images, {steps} steps, batch {options.BatchSize}, late start {options.LateStartStep}, threads {TorchSharp.torch.get_num_threads()}");
        Console.WriteLine("  step   RSS MiB   managed MiB   GC committed MiB   gen0   gen2   img/s");
        var samples = new MemorySamples();
        MaMAPretraining.Run(records, options, samples);
        if (samples.Warm is not { } warm || samples.Last is not { } last || last.Step <= warm.Step)
        {
            Console.WriteLine("the run ended before two samples were taken; use more --steps");
            return 1;
        }
        double perStep = (last.RssMiB - warm.RssMiB) / (last.Step - warm.Step);
        Console.WriteLine($"RSS end / after warm-up: {last.RssMiB / warm.RssMiB:F2}x ({warm.RssMiB:F0} -> {last.RssMiB:F0} MiB, {perStep:+0.00;-0.00} MiB per step); peak {samples.PeakMiB:F0} MiB");
        return 0;
    }

    private sealed record Sample(long Step, double RssMiB);

    // Reports arrive on the training thread after each step.
    private sealed class MemorySamples : IProgress<TrainingProgress>
    {
        private const long Every = 50;
        public Sample? Warm { get; private set; }
        public Sample? Last { get; private set; }
        public double PeakMiB { get; private set; }

        public void Report(TrainingProgress value)
        {
            using var process = Process.GetCurrentProcess();
            double rss = process.WorkingSet64 / (1024.0 * 1024.0);
            PeakMiB = Math.Max(PeakMiB, rss);
            if (value.Step % Every != 0 && value.Step != value.TotalSteps) return;
            var sample = new Sample(value.Step, rss);
            if (value.Step == Every) Warm = sample;
            Last = sample;
            Console.WriteLine($"{value.Step,6} {rss,9:F0} {GC.GetTotalMemory(false) / 1048576.0,13:F0} {GC.GetGCMemoryInfo().TotalCommittedBytes / 1048576.0,18:F0} {GC.CollectionCount(0),6} {GC.CollectionCount(2),6} {value.SamplesPerSecond,7:F1}");
        }
    }
}
