using System.Diagnostics;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Benchmarks;

/// <summary>
/// Leak check of the full training step: 100 forward + backward passes of the tiny MaMA model (all four loss
/// terms, batch 4) with dispose scopes as a training loop uses them. Prints the process RSS and TorchSharp's live
/// tensor count at the start, after the warm-up and at the end.
/// </summary>
public sealed class MemoryGrowthEncoderBenchmark : IBenchmark
{
    public string Name => "memory-growth";
    public string Description => "RSS and live tensors over 100 forward+backward steps of the tiny model; [--steps N]";

    public int Run(string[] args)
    {
        int steps = args.Length >= 2 && args[0] == "--steps" ? int.Parse(args[1]) : 100;
        var config = MaMAConfig.Tiny;
        TorchRuntime.Seed(0);
        using var model = new MaMAModel(config);
        model.train();
        var generator = new Generator(1);
        Report("start (model built)");
        var sw = Stopwatch.StartNew();
        for (int step = 1; step <= steps; step++)
        {
            using var scope = NewDisposeScope();
            var pixels = randn([4, 3, config.ImageSize, config.ImageSize], generator: generator);
            var ids = randint(0, config.Text.VocabSize, [4, 48], generator: generator);
            ids[.., 10] = tensor((long)config.SeparatorTokenId);
            ids[.., 20] = tensor((long)config.SeparatorTokenId);
            var mask = ones_like(ids);
            using var losses = model.ComputeLosses(MaMABatch.Create(pixels, pixels.flip(3), ids, mask, config.SeparatorTokenId));
            losses.Total.backward();
            foreach (var p in model.parameters()) p.grad?.zero_();
            if (step == 10) Report("after 10 steps (warm)");
        }
        Report($"after {steps} steps ({sw.Elapsed.TotalSeconds / steps * 1000:F0} ms/step)");
        return 0;
    }

    private static void Report(string when)
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        Console.WriteLine($"{when,-32} RSS {process.WorkingSet64 / (1024.0 * 1024.0),8:F1} MiB   live tensors {DisposeScopeManager.Statistics.ThreadTotalLiveCount,6}");
    }
}
