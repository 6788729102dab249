using System.Diagnostics;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.Heads;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Vision;
using static TorchSharp.torch;

namespace MaMA.MLNet.Benchmarks;

/// <summary>
/// CPU forward of MaMA's image encoder (ViT + global projection, eval, no_grad): ViT-B/14 with registers at 518 px
/// (batch 1 and 4) and the tiny preset. Prints seconds per image and GFLOP/s against the matmul peak measured in the
/// same run; the FLOP count comes from the config's shapes.
/// </summary>
public sealed class ImageEncoderBenchmark : IBenchmark
{
    public string Name => "image-encoder";
    public string Description => "image encoder forward (ViT-B/14-reg 518 px batch 1/4, tiny preset) in GFLOP/s vs the matmul peak; [--repeats N]";

    public int Run(string[] args)
    {
        int repeats = args.Length >= 2 && args[0] == "--repeats" ? int.Parse(args[1]) : 2;
        double peak = MatmulPeakBenchmark.Measure();
        Console.WriteLine($"threads {get_num_threads()}, matmul peak {peak:F1} GFLOP/s, {repeats} timed repeats after one warm-up");
        Console.WriteLine($"{"model",-22} {"batch",5} {"GFLOP/img",10} {"s/batch",9} {"ms/img",9} {"GFLOP/s",9} {"of peak",8}");
        foreach (var (label, config, batch) in new[]
                 {
                     ("tiny 112 px", MaMAConfig.Tiny, 8),
                     ("ViT-B/14-reg 518 px", MaMAConfig.MaMABase, 1),
                     ("ViT-B/14-reg 518 px", MaMAConfig.MaMABase, 4),
                 })
        {
            double gflop = ForwardFlops(config.Vision, config.EmbeddingSize, config.ImageSize, config.ImageSize) / 1e9;
            double seconds = Time(config, batch, repeats);
            double rate = gflop * batch / seconds;
            Console.WriteLine($"{label,-22} {batch,5} {gflop,10:F2} {seconds,9:F3} {seconds / batch * 1000,9:F1} {rate,9:F1} {rate / peak,8:P0}");
        }
        return 0;
    }

    private static double Time(MaMAConfig config, int batch, int repeats)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        TorchRuntime.Seed(0);
        using var vit = new VisionTransformer(config.Vision);
        using var projection = new GlobalProjection(config.ImageFeatureWidth, config.EmbeddingSize);
        vit.eval();
        var pixels = randn(batch, 3, config.ImageSize, config.ImageSize);
        double best = double.MaxValue;
        for (int i = 0; i <= repeats; i++)
        {
            using var inner = NewDisposeScope();
            var sw = Stopwatch.StartNew();
            projection.forward(vit.forward(pixels).PooledFeature);
            if (i > 0) best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return best;
    }

    /// <summary>
    /// Multiply-adds x 2 of one image's forward pass: patch embedding, then per block the qkv, attention scores,
    /// attention-weighted values, output projection and the MLP; then the global projection. Norms, softmax and
    /// GELU are left out (a few percent).
    /// </summary>
    public static double ForwardFlops(VisionTransformerConfig c, int embeddingSize, int height, int width)
    {
        double patches = (double)(height / c.PatchSize) * (width / c.PatchSize);
        double n = 1 + c.RegisterCount + patches, d = c.Width, h = c.FeedForwardHidden;
        double mlp = c.FeedForward == FeedForwardKind.SwiGlu ? 2 * n * d * 2 * h + 2 * n * h * d : 2 * n * d * h * 2;
        double block = 2 * n * d * 3 * d + 2 * n * n * d + 2 * n * n * d + 2 * n * d * d + mlp;
        return 2 * patches * 3 * c.PatchSize * c.PatchSize * d + c.Depth * block + 2 * d * embeddingSize;
    }
}
