using System.Diagnostics;
using System.Globalization;
using MaMA.MLNet.Components;
using MaMA.MLNet.DataViews;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Vision;
using MaMA.MLNet.Onnx;
using MaMA.MLNet.Onnx.Graph;
using MaMA.MLNet.Samples;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Transforms.Onnx;
using static TorchSharp.torch;

namespace MaMA.MLNet.Benchmarks;

/// <summary>
/// Throughput of the MaMA image-embedding transformer over an IDataView against its peers, in one process:
/// (a) the TorchSharp transformer against the raw batched TorchSharp model on the same images (goal: at least 0.9x);
/// (b) the ONNX Runtime backend of the transformer against ML.NET's ApplyOnnxModel on the same exported encoder,
/// which scores one row at a time (goal: at least 3x), and against a raw batched ONNX Runtime session.
/// Images are model-ready and in memory; all engines use the same thread count.
/// </summary>
/// <remarks>
/// Usage: <c>embedding-throughput [--models tiny,vit-s,vit-b] [--repeats 5] [--threads 2] [--images N] [--image-size S]</c>
/// (N overrides 256 for tiny, 24 for ViT-S and 4 for ViT-B; S overrides each model's side: 112, 224 and 518, MaMA's).
/// The repeats are interleaved
/// (every path once per round, in rotating order) so that load on a shared machine hits all paths alike; min and
/// median per path are printed, of wall-clock and of process CPU time, and the ratios of both.
/// </remarks>
public sealed class EmbeddingThroughputBenchmark : IBenchmark
{
    public string Name => "embedding-throughput";
    public string Description => "MaMA image-embedding transformer (TorchSharp and ONNX Runtime backends) vs raw batched models vs ApplyOnnxModel";

    private sealed class Row
    {
        public float[] Image { get; set; } = [];
    }

    /// <summary>The data view's own cost: reads each packed batch and writes a one-float column, no model.</summary>
    private sealed class NoModelMapper(int batch) : IBatchMapper
    {
        public IReadOnlyList<string> InputColumnNames { get; } = ["Image"];
        public IReadOnlyList<BatchOutputColumn> OutputColumns { get; } = [new("Embedding", new VectorDataViewType(NumberDataViewType.Single, 1))];
        public int BatchSize => batch;

        public void ValidateInputSchema(DataViewSchema inputSchema)
        {
        }

        public void MapBatch(BatchInputs inputs, int rowCount, object?[][] outputs, bool[] activeOutputs)
        {
            if (!inputs.TryGetPacked(0, out var pixels, out int per)) throw new InvalidOperationException("the image column should arrive packed");
            for (int r = 0; r < rowCount; r++) outputs[0][r] = new VBuffer<float>(1, [pixels.Span[r * per]]);
        }
    }

    /// <summary>A benchmarked model: its config, how many images, the batch size.</summary>
    private sealed record Setup(string Label, MaMAConfig Config, int Images, int Batch);

    private static Setup SetupFor(string name) => name switch
    {
        "tiny" => new("tiny preset, 112 px", TinyMaMAModel.Config(112), 256, 16),
        // ViT-S/14 with registers (DINOv2 small: width 384, depth 12, 6 heads) at 224 px, MaMA's 512-d embedding.
        "vit-s" => new("ViT-S/14-reg, 224 px", TinyMaMAModel.Config(224) with
        {
            Vision = VisionTransformerConfig.DinoV2VitS14Reg with { ImageSize = 224 },
            EmbeddingSize = 512,
        }, 24, 8),
        // MaMA's image encoder: DINOv2 ViT-B/14 with 4 registers at 518 px (1374 tokens, about 304 GFLOP an image).
        "vit-b" => new("ViT-B/14-reg, 518 px", TinyMaMAModel.Config(518) with
        {
            Vision = VisionTransformerConfig.DinoV2VitB14Reg with { ImageSize = 518 },
            EmbeddingSize = 512,
        }, 4, 2),
        _ => throw new ArgumentException($"unknown model '{name}': use tiny, vit-s or vit-b"),
    };

    public int Run(string[] args)
    {
        string[] models = Arg(args, "--models", "tiny,vit-s").Split(',');
        int repeats = int.Parse(Arg(args, "--repeats", "5"), CultureInfo.InvariantCulture);
        int threads = int.Parse(Arg(args, "--threads", "2"), CultureInfo.InvariantCulture);
        set_num_threads(threads);
        Console.WriteLine($"{threads} threads for every engine (torch, ONNX Runtime intra-op); {repeats} interleaved rounds after one warm-up; min and median");
        string? images = Arg(args, "--images", "");
        string side = Arg(args, "--image-size", "");
        foreach (string name in models)
        {
            var setup = SetupFor(name.Trim());
            if (images.Length > 0) setup = setup with { Images = int.Parse(images, CultureInfo.InvariantCulture) };
            if (side.Length > 0)
            {
                int size = int.Parse(side, CultureInfo.InvariantCulture);
                setup = setup with { Label = $"{setup.Label.Split(',')[0]}, {size} px", Config = setup.Config.WithImageSize(size) };
            }
            RunModel(setup, repeats, threads);
        }
        return 0;
    }

    private static void RunModel(Setup setup, int repeats, int threads)
    {
        int count = setup.Images, batch = setup.Batch, size = setup.Config.ImageSize, per = 3 * size * size;
        string dir = Directory.CreateTempSubdirectory("mama-embed-bench-").FullName;
        try
        {
            string modelDir = Path.Combine(dir, "model");
            TorchRuntime.Seed(7);
            using (var fresh = new MaMAModel(setup.Config))
            {
                fresh.eval();
                MaMAModelDirectory.Save(fresh, modelDir);
            }
            var random = new Random(5);
            var rows = Enumerable.Range(0, count)
                .Select(_ => new Row { Image = Enumerable.Range(0, per).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray() })
                .ToList();

            var loaded = MaMAModelDirectory.Load(modelDir);
            using var model = loaded.Model;
            model.eval();
            var exported = MaMAModelOnnxExporter.ExportImageEncoder(model, size);
            string onnx = Path.Combine(dir, "encoder.onnx");
            OnnxModelFile.Save(exported, onnx);
            // ApplyOnnxModel reads the file with its interface renamed to the column names (as ApplyMaMAImageEncoderOnnx does).
            string renamed = Path.Combine(dir, "encoder-columns.onnx");
            OnnxModelFile.Save(OnnxGraphComposer.RenameInterface(exported, new Dictionary<string, string>
            {
                [MamaOnnxExporter.PixelsInput] = "Image",
                [MamaOnnxExporter.EmbeddingOutput] = "Embedding",
            }), renamed);

            var ml = new MLContext(seed: 1);
            var schema = SchemaDefinition.Create(typeof(Row));
            schema[nameof(Row.Image)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 3, size, size);
            var data = ml.Data.LoadFromEnumerable(rows, schema);

            // Raw TorchSharp: rows packed into one reused buffer that the tensor shares (no copy beyond the packing).
            var torchBuffer = new float[batch * per];
            void RawTorch()
            {
                for (int start = 0; start < count; start += batch)
                {
                    using var scope = NewDisposeScope();
                    int n = Math.Min(batch, count - start);
                    for (int i = 0; i < n; i++) rows[start + i].Image.CopyTo(torchBuffer, i * per);
                    using var encoding = model.EncodeImages(frombuffer(torchBuffer, ScalarType.Float32, count: (long)n * per).view(n, 3, size, size));
                    _ = encoding.Embedding.data<float>().ToArray();
                }
            }

            // Raw ONNX Runtime: the same packing into a reused buffer, one Run per batch.
            using var sessionOptions = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = threads };
            using var session = new InferenceSession(onnx, sessionOptions);
            var ortBuffer = new float[batch * per];
            void RawOrt()
            {
                for (int start = 0; start < count; start += batch)
                {
                    int n = Math.Min(batch, count - start);
                    for (int i = 0; i < n; i++) rows[start + i].Image.CopyTo(ortBuffer, i * per);
                    using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, ortBuffer.AsMemory(0, n * per), [n, 3, size, size]);
                    using var runOptions = new RunOptions();
                    using var results = session.Run(runOptions, [MamaOnnxExporter.PixelsInput], [input], [MamaOnnxExporter.EmbeddingOutput]);
                    _ = results[0].GetTensorDataAsSpan<float>().ToArray();
                }
            }

            using var torchTransformer = ml.Transforms.MaMAImageEmbedding(modelDir, "Embedding", "Image",
                new ImageEmbeddingOptions { BatchSize = batch }).Fit(data);
            using var ortTransformer = ml.Transforms.MaMAImageEmbedding(modelDir, "Embedding", "Image",
                new ImageEmbeddingOptions { BatchSize = batch, Backend = MaMAInferenceBackend.OnnxRuntime, OnnxIntraOpThreads = threads }).Fit(data);
            var applyOnnx = ml.Transforms.ApplyOnnxModel(new OnnxOptions
            {
                ModelFile = renamed,
                InputColumns = ["Image"],
                OutputColumns = ["Embedding"],
                IntraOpNumThreads = threads,
            }).Fit(data);

            var paths = new (string Name, Action Run)[]
            {
                ("raw batched TorchSharp (EncodeImages)", RawTorch),
                ("MaMAImageEmbedding, TorchSharp backend", () => Drain(torchTransformer.Transform(data))),
                ("raw batched ONNX Runtime session", RawOrt),
                ("MaMAImageEmbedding, OnnxRuntime backend", () => Drain(ortTransformer.Transform(data))),
                ("ApplyOnnxModel (row at a time)", () => Drain(applyOnnx.Transform(data))),
                ("IDataView alone (batched view, no model)", () => Drain(new BatchMappedDataView(data, new NoModelMapper(batch)))),
            };
            foreach (var (_, run) in paths) run(); // warm-up: allocator, ORT arenas, JIT
            var times = paths.Select(_ => new List<double>()).ToArray();
            var cpu = paths.Select(_ => new List<double>()).ToArray();
            using var process = Process.GetCurrentProcess();
            for (int round = 0; round < repeats; round++)
                for (int k = 0; k < paths.Length; k++)
                {
                    int p = (k + round) % paths.Length; // rotate which path goes first
                    process.Refresh();
                    var cpuBefore = process.TotalProcessorTime;
                    var watch = Stopwatch.StartNew();
                    paths[p].Run();
                    times[p].Add(watch.Elapsed.TotalSeconds);
                    process.Refresh();
                    cpu[p].Add((process.TotalProcessorTime - cpuBefore).TotalSeconds);
                }

            Console.WriteLine();
            Console.WriteLine($"{setup.Label}: {count} images, batch {batch}; load average {LoadAverage()}");
            Console.WriteLine($"{"path",-42} {"wall min",9} {"median",7} {"img/s",8} {"cpu min",8} {"median",7}  wall every round, s");
            for (int p = 0; p < paths.Length; p++)
                Console.WriteLine($"{paths[p].Name,-42} {times[p].Min(),9:F3} {Median(times[p]),7:F3} {count / times[p].Min(),8:F2} {cpu[p].Min(),8:F3} {Median(cpu[p]),7:F3}  " +
                    string.Join(" ", times[p].Select(t => t.ToString("F3", CultureInfo.InvariantCulture))));
            // Speed ratios (peer time / our time): wall-clock min and median, and the same for process CPU time, which
            // a loaded machine distorts less (it counts our threads' work, not the time others hold the cores).
            void Ratio(string label, int ours, int peer, string goal) =>
                Console.WriteLine($"{label,-46} wall {times[peer].Min() / times[ours].Min(),5:F2}x (median {Median(times[peer]) / Median(times[ours]),4:F2}x)" +
                    $"  cpu {cpu[peer].Min() / cpu[ours].Min(),5:F2}x (median {Median(cpu[peer]) / Median(cpu[ours]),4:F2}x){goal}");
            Ratio("TorchSharp transformer / raw TorchSharp", 1, 0, "  goal >= 0.9");
            Ratio("OnnxRuntime transformer / raw ONNX Runtime", 3, 2, "");
            Ratio("OnnxRuntime transformer / ApplyOnnxModel", 3, 4, "  goal >= 3");
            Ratio("TorchSharp transformer / ApplyOnnxModel", 1, 4, "");
            Ratio("OnnxRuntime backend / TorchSharp backend", 3, 1, "");
            Console.WriteLine($"{"IDataView alone as a share of raw TorchSharp / raw ORT",-46} wall {times[5].Min() / times[0].Min():P1} / {times[5].Min() / times[2].Min():P1}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void Drain(IDataView view)
    {
        using var cursor = view.GetRowCursor([view.Schema["Embedding"]]);
        var getter = cursor.GetGetter<VBuffer<float>>(view.Schema["Embedding"]);
        VBuffer<float> value = default;
        while (cursor.MoveNext()) getter(ref value);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        int n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string Arg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
