using MaMA.MLNet.Deployment;
using MaMA.MLNet.Imaging.Preprocessing;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Onnx;
using MaMA.MLNet.Onnx.Graph;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace MaMA.MLNet.Tests.Deployment;

/// <summary>
/// The ML.NET deployment path end to end: mammogram files -> LoadMammograms -> the exported MaMA image encoder
/// through ApplyOnnxModel -> an ML.NET trainer on the embeddings -> the head converted to ONNX -> one composed
/// ONNX model, checked in ONNX Runtime against the ML.NET pipeline and the encoder against the TorchSharp model.
/// </summary>
[TestClass]
public sealed class OnnxHeadDeploymentTests
{
    private const int ImageSize = 28;
    private const int Rows = 12;
    private static string _folder = "";
    private static string _encoderPath = "";
    private static MaMAModel? _model;
    private static MLContext _ml = new(seed: 1);
    private static ITransformer? _pipeline;
    private static IDataView? _scored;

    public sealed class InputRow
    {
        public string Path { get; set; } = "";
        public string Label { get; set; } = "";
    }

    public sealed class ScoredRow
    {
        [VectorType(3, ImageSize, ImageSize)] public float[] Image { get; set; } = [];
        [VectorType] public float[] Embedding { get; set; } = [];
        [VectorType] public float[] Score { get; set; } = [];
        [KeyType(3)] public uint PredictedLabel { get; set; }
    }

    [ClassInitialize]
    public static void BuildPipeline(TestContext _)
    {
        _folder = Path.Combine(Path.GetTempPath(), "mama-deploy-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        var random = new Random(7);
        var rows = new List<InputRow>();
        for (int i = 0; i < Rows; i++)
        {
            // Three brightness classes with noise, so the head has something to separate.
            int level = i % 3;
            using var image = new Image<L8>(40, 40);
            for (int y = 0; y < 40; y++)
                for (int x = 0; x < 40; x++)
                    image[x, y] = new L8((byte)Math.Clamp(40 + 80 * level + random.Next(-30, 30) + (x * (i % 4)), 0, 255));
            string path = Path.Combine(_folder, $"image{i}.png");
            image.SaveAsPng(path);
            rows.Add(new InputRow { Path = path, Label = $"class{level}" });
        }

        TorchRuntime.Seed(3);
        _model = new MaMAModel(MaMAConfig.Tiny);
        _model.eval();
        _encoderPath = Path.Combine(_folder, "encoder.onnx");
        OnnxModelFile.Save(MaMAModelOnnxExporter.ExportImageEncoder(_model, ImageSize), _encoderPath);

        var data = _ml.Data.LoadFromEnumerable(rows);
        var loading = new LoadMammogramsOptions { AddHeaderColumns = false, Preprocessing = PreprocessingOptions.Default with { ImageSize = ImageSize, CropToBreast = false } };
        var estimator = _ml.Transforms.LoadMammograms("Image", "Path", loading)
            .Append(_ml.Transforms.ApplyMaMAImageEncoderOnnx(_encoderPath, "Embedding", "Image"))
            .Append(_ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label"))
            .Append(_ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(labelColumnName: "LabelKey", featureColumnName: "Embedding"));
        _pipeline = estimator.Fit(data);
        _scored = _pipeline.Transform(data);
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        _model?.Dispose();
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private static List<ScoredRow> ScoredRows() => [.. _ml.Data.CreateEnumerable<ScoredRow>(_scored!, reuseRowObject: false)];

    private static ITransformer Head() => ((IEnumerable<ITransformer>)_pipeline!).Last();

    [TestMethod]
    public void ApplyOnnxModelEmbeddingsEqualTheTorchSharpModel()
    {
        var rows = ScoredRows();
        Assert.HasCount(Rows, rows);
        var pixels = rows.SelectMany(r => r.Image).ToArray();
        using var scope = NewDisposeScope();
        using var encoding = _model!.EncodeImages(tensor(pixels, [Rows, 3, ImageSize, ImageSize]));
        var expected = encoding.Embedding.data<float>().ToArray();
        var actual = rows.SelectMany(r => r.Embedding).ToArray();
        Assert.HasCount(expected.Length, actual);
        Assert.IsLessThan(1e-4, MaxAbsDiff(expected, actual));
        // The images differ, so do their embeddings (a constant column would make the parity trivial).
        Assert.IsGreaterThan(1e-3, MaxAbsDiff(rows[0].Embedding, rows[1].Embedding));
    }

    [TestMethod]
    public void ConvertedHeadUsesTheMlDomainAndMatchesMlNetScores()
    {
        var head = OnnxHeadComposer.ConvertHead(_ml, Head(), "Embedding", MaMAConfig.Tiny.EmbeddingSize);
        Assert.IsTrue(head.Graph.Node.Any(n => n.Domain == "ai.onnx.ml"), "ML.NET's linear classifier is an ai.onnx.ml operator.");

        var rows = ScoredRows();
        using var session = new InferenceSession(OnnxModelFile.ToBytes(head));
        var embeddings = rows.SelectMany(r => r.Embedding).ToArray();
        var outputs = Run(session, "Embedding", embeddings, [Rows, MaMAConfig.Tiny.EmbeddingSize]);
        Assert.IsLessThan(1e-4, MaxAbsDiff(rows.SelectMany(r => r.Score).ToArray(), outputs["Score.output"]));
    }

    [TestMethod]
    public void ComposedModelMatchesTheMlNetPipeline()
    {
        var composed = OnnxHeadComposer.Compose(_ml, OnnxModelReader.Read(_encoderPath), Head(), "Embedding");
        CollectionAssert.AreEqual(new[] { MamaOnnxExporter.PixelsInput }, composed.Graph.Input.Select(i => i.Name).ToArray());
        Assert.IsTrue(composed.OpsetImport.Any(o => o.Domain == "ai.onnx.ml"));
        Assert.AreEqual(17, composed.OpsetImport.Single(o => o.Domain == "").Version);

        var rows = ScoredRows();
        var pixels = rows.SelectMany(r => r.Image).ToArray();
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        options.AddSessionConfigEntry("session.strict_shape_type_inference", "1");
        using var session = new InferenceSession(OnnxModelFile.ToBytes(composed), options);
        var outputs = Run(session, MamaOnnxExporter.PixelsInput, pixels, [Rows, 3, ImageSize, ImageSize]);

        Assert.IsLessThan(1e-4, MaxAbsDiff(rows.SelectMany(r => r.Embedding).ToArray(), outputs[MamaOnnxExporter.EmbeddingOutput]));
        float[] scores = outputs["Score.output"];
        Assert.IsLessThan(1e-4, MaxAbsDiff(rows.SelectMany(r => r.Score).ToArray(), scores));
        var predicted = outputs["PredictedLabel.output"];
        for (int i = 0; i < Rows; i++) Assert.AreEqual(rows[i].PredictedLabel, (uint)predicted[i], $"row {i}");
    }

    private static Dictionary<string, float[]> Run(InferenceSession session, string inputName, float[] data, long[] shape)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(data, shape);
        using var runOptions = new RunOptions();
        var names = session.OutputMetadata.Keys.ToArray();
        using var results = session.Run(runOptions, new Dictionary<string, OrtValue> { [inputName] = input }, names);
        var outputs = new Dictionary<string, float[]>();
        for (int i = 0; i < names.Length; i++)
        {
            var type = results[i].GetTensorTypeAndShape().ElementDataType;
            outputs[names[i]] = type switch
            {
                TensorElementType.Float => results[i].GetTensorDataAsSpan<float>().ToArray(),
                TensorElementType.UInt32 => [.. results[i].GetTensorDataAsSpan<uint>().ToArray().Select(v => (float)v)],
                TensorElementType.Int64 => [.. results[i].GetTensorDataAsSpan<long>().ToArray().Select(v => (float)v)],
                _ => [],
            };
        }
        return outputs;
    }

    private static double MaxAbsDiff(float[] a, float[] b)
    {
        Assert.HasCount(a.Length, b);
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
