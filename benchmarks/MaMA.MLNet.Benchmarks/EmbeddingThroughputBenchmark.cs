using System.Diagnostics;
using MaMA.MLNet.Components;
using MaMA.MLNet.Deployment;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Onnx;
using MaMA.MLNet.Onnx.Graph;
using MaMA.MLNet.Samples;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace MaMA.MLNet.Benchmarks;

/// <summary>
/// Throughput of the MaMA image-embedding transformer over an IDataView, against (a) the raw batched model on the
/// same images (goal: at least 0.9x) and (b) ML.NET's ApplyOnnxModel on the exported encoder, which scores one
/// row at a time (goal: at least 3x). Tiny preset, images already model-ready in memory.
/// </summary>
public sealed class EmbeddingThroughputBenchmark : IBenchmark
{
    public string Name => "embedding-throughput";
    public string Description => "MaMA image-embedding transformer vs raw batched model vs ApplyOnnxModel (args: [images] [image size] [batch])";

    private sealed class Row
    {
        public float[] Image { get; set; } = [];
    }

    public int Run(string[] args)
    {
        int count = args.Length > 0 ? int.Parse(args[0]) : 256;
        int size = args.Length > 1 ? int.Parse(args[1]) : 112;
        int batch = args.Length > 2 ? int.Parse(args[2]) : 16;
        string dir = Directory.CreateTempSubdirectory("mama-embed-bench-").FullName;
        try
        {
            string modelDir = TinyMaMAModel.Write(Path.Combine(dir, "model"), imageSize: size);
            var random = new Random(5);
            var rows = Enumerable.Range(0, count)
                .Select(_ => new Row { Image = Enumerable.Range(0, 3 * size * size).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray() })
                .ToList();

            var loaded = MaMAModelDirectory.Load(modelDir);
            using var model = loaded.Model;
            model.eval();
            string onnx = Path.Combine(dir, "encoder.onnx");
            OnnxModelFile.Save(MaMAModelOnnxExporter.ExportImageEncoder(model, size), onnx);

            var ml = new MLContext(seed: 1);
            var schema = SchemaDefinition.Create(typeof(Row));
            schema[nameof(Row.Image)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 3, size, size);
            var data = ml.Data.LoadFromEnumerable(rows, schema);

            double Raw() => Time(() =>
            {
                for (int start = 0; start < count; start += batch)
                {
                    using var scope = NewDisposeScope();
                    int n = Math.Min(batch, count - start);
                    var flat = new float[n * 3 * size * size];
                    for (int i = 0; i < n; i++) rows[start + i].Image.CopyTo(flat, i * 3 * size * size);
                    using var encoding = model.EncodeImages(tensor(flat, [n, 3, size, size]));
                    _ = encoding.Embedding.data<float>().ToArray();
                }
            });
            var embedding = ml.Transforms.MaMAImageEmbedding(modelDir, "Embedding", "Image", new ImageEmbeddingOptions { BatchSize = batch }).Fit(data);
            double Transformer() => Time(() => Drain(embedding.Transform(data)));
            var onnxPipeline = ml.Transforms.ApplyMaMAImageEncoderOnnx(onnx, "Embedding", "Image").Fit(data);
            double Onnx() => Time(() => Drain(onnxPipeline.Transform(data)));

            Raw(); Transformer(); Onnx(); // warm-up
            double raw = Best(Raw), transformer = Best(Transformer), ort = Best(Onnx);
            Console.WriteLine($"{count} images of {size} px, batch {batch}, tiny preset, {get_num_threads()} torch threads; best of 3");
            Console.WriteLine($"{"path",-44} {"s",8} {"img/s",9}");
            Console.WriteLine($"{"raw batched model (EncodeImages)",-44} {raw,8:F3} {count / raw,9:F1}");
            Console.WriteLine($"{"MaMAImageEmbedding over an IDataView",-44} {transformer,8:F3} {count / transformer,9:F1}");
            Console.WriteLine($"{"ApplyOnnxModel (row at a time)",-44} {ort,8:F3} {count / ort,9:F1}");
            Console.WriteLine($"transformer / raw = {raw / transformer:F2}x (goal >= 0.9); transformer / ApplyOnnxModel = {ort / transformer:F2}x (goal >= 3)");
            return 0;
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

    private static double Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalSeconds;
    }

    private static double Best(Func<double> run) => Enumerable.Range(0, 3).Min(_ => run());
}
