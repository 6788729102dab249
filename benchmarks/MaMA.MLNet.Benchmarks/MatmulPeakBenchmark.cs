using System.Diagnostics;
using static TorchSharp.torch;

namespace MaMA.MLNet.Benchmarks;

/// <summary>
/// The machine's float32 matmul peak through TorchSharp (libtorch's BLAS): the yardstick the model benchmarks
/// divide by. Other benchmarks call <see cref="Measure"/> in their own run.
/// </summary>
public sealed class MatmulPeakBenchmark : IBenchmark
{
    public string Name => "matmul-peak";
    public string Description => "float32 GFLOP/s of an n x n x n matmul (default n = 2048)";

    public int Run(string[] args)
    {
        int n = args.Length > 0 ? int.Parse(args[0]) : 2048;
        double gflops = Measure(n);
        Console.WriteLine($"matmul {n}^3 float32, {get_num_threads()} threads: {gflops:F1} GFLOP/s");
        return 0;
    }

    /// <summary>Best of several timed n^3 matmuls after a warm-up, in GFLOP/s.</summary>
    public static double Measure(int n = 2048, int repeats = 5)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var a = randn(n, n);
        var b = randn(n, n);
        a.matmul(b).Dispose();
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            a.matmul(b).Dispose();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * n / best / 1e9;
    }
}
