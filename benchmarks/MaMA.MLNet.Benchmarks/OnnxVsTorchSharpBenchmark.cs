using System.Diagnostics;
using System.Globalization;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Onnx;
using MaMA.MLNet.Onnx.Graph;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace MaMA.MLNet.Benchmarks;

/// <summary>
/// Image-encoder inference speed: ONNX Runtime (CPU, 2 intra-op threads, all graph optimisations) against
/// TorchSharp eager (no_grad, eval) on the same weights, for the tiny preset and MaMA's ViT-B/14 with
/// registers at 518 px. Prints images/s and GFLOP/s as a share of the matmul peak measured in the same run.
/// </summary>
/// <remarks>
/// Usage: <c>onnx-vs-torchsharp [--batches 1,8] [--repeats 3] [--presets tiny,mama-base] [--threads 2]</c>.
/// FLOPs are counted from the configuration (2 per multiply-add: patch embedding, qkv/proj/MLP matmuls,
/// attention QK^T and AV, projection); layer norms, softmax and GELU are left out.
/// </remarks>
public sealed class OnnxVsTorchSharpBenchmark : IBenchmark
{
    public string Name => "onnx-vs-torchsharp";
    public string Description => "image encoder images/s: ONNX Runtime CPU vs TorchSharp eager (tiny, ViT-B/14 at 518)";

    public int Run(string[] args)
    {
        int[] batches = [.. Arg(args, "--batches", "1,8").Split(',').Select(int.Parse)];
        int repeats = int.Parse(Arg(args, "--repeats", "3"), CultureInfo.InvariantCulture);
        string[] presets = Arg(args, "--presets", "tiny,mama-base").Split(',');
        int threads = int.Parse(Arg(args, "--threads", "2"), CultureInfo.InvariantCulture);
        set_num_threads(threads);
        double peak = MatmulPeakBenchmark.Measure();
        Console.WriteLine($"matmul peak (TorchSharp, {threads} threads, 2048^3): {peak:F1} GFLOP/s; best of at least {repeats} runs (and 1 s) after one warm-up");
        Console.WriteLine($"{"model",-36} {"batch",5} {"engine",-12} {"s/batch",9} {"img/s",8} {"GFLOP/s",8} {"% peak",7}");

        foreach (string preset in presets)
        {
            // Only the image side is measured: a tiny text side spares building BioMedLM (2.7B parameters).
            var config = MaMAConfig.FromPreset(preset) with { Text = MaMAConfig.Tiny.Text, TextMaxLength = MaMAConfig.Tiny.TextMaxLength, Lora = null };
            int size = config.ImageSize;
            TorchRuntime.Seed(0);
            using var model = new MaMAModel(config);
            model.eval();
            var sw = Stopwatch.StartNew();
            byte[] onnx = OnnxModelFile.ToBytes(MaMAModelOnnxExporter.ExportImageEncoder(model, size));
            Console.WriteLine($"{preset}: exported in {sw.Elapsed.TotalSeconds:F1} s ({onnx.Length / 1e6:F0} MB)");
            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = threads, InterOpNumThreads = 1 };
            using var session = new InferenceSession(onnx, options);
            double gflopPerImage = FlopsPerImage(config) / 1e9;
            string label = $"{preset} ({size} px, {gflopPerImage:G3} GFLOP/img)";

            foreach (int batch in batches)
            {
                using var scope = NewDisposeScope();
                var pixels = randn(batch, 3, size, size);
                float[] data = pixels.data<float>().ToArray();
                double torchSeconds = Best(repeats, () => { using var e = model.EncodeImages(pixels); });
                double ortSeconds = Best(repeats, () =>
                {
                    using var input = OrtValue.CreateTensorValueFromMemory(data, [batch, 3, size, size]);
                    using var runOptions = new RunOptions();
                    using var results = session.Run(runOptions, new Dictionary<string, OrtValue> { [MamaOnnxExporter.PixelsInput] = input }, [MamaOnnxExporter.EmbeddingOutput]);
                });
                Print(label, batch, "TorchSharp", torchSeconds, gflopPerImage, peak);
                Print(label, batch, "ONNX Runtime", ortSeconds, gflopPerImage, peak);
                Console.WriteLine($"{"",-36} {batch,5} ORT / TorchSharp speed: {torchSeconds / ortSeconds:F2}x");
            }
        }
        return 0;
    }

    /// <summary>Forward FLOPs of the image encoder for one image (2 per multiply-add), from the configuration.</summary>
    public static double FlopsPerImage(MaMAConfig config)
    {
        var v = config.Vision;
        double d = v.Width, patches = Math.Pow(v.ImageSize / v.PatchSize, 2), tokens = 1 + v.RegisterCount + patches;
        double patchEmbed = 2 * patches * 3 * v.PatchSize * v.PatchSize * d;
        double perBlock = 2 * tokens * d * (3 * d + d + 2 * v.FeedForwardHidden) + 2 * 2 * tokens * tokens * d;
        return patchEmbed + v.Depth * perBlock + 2 * d * config.EmbeddingSize;
    }

    private static void Print(string label, int batch, string engine, double seconds, double gflopPerImage, double peak)
    {
        double gflops = gflopPerImage * batch / seconds;
        Console.WriteLine($"{label,-36} {batch,5} {engine,-12} {seconds,9:F4} {batch / seconds,8:F2} {gflops,8:F1} {100 * gflops / peak,6:F0}%");
    }

    private static double Best(int repeats, Action run)
    {
        run();
        double best = double.MaxValue, total = 0;
        // Cheap models repeat until a second has passed, so one preempted run on a shared machine does not decide.
        for (int i = 0; i < repeats || (total < 1.0 && i < 200); i++)
        {
            var sw = Stopwatch.StartNew();
            run();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
            total += sw.Elapsed.TotalSeconds;
        }
        return best;
    }

    private static string Arg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
