using MaMA.MLNet.DataViews;
using MaMA.MLNet.Onnx;
using MaMA.MLNet.Onnx.Graph;
using Microsoft.ML;
using static TorchSharp.torch;

namespace MaMA.MLNet.Components;

/// <summary>
/// Adds a column with each image's MaMA embedding (L2-normalised, size E) or raw pooled ViT feature (size D),
/// running the image encoder a batch at a time in TorchSharp or, with <see cref="MaMAInferenceBackend.OnnxRuntime"/>,
/// in ONNX Runtime. Lazy; parallel cursors share the model (or the session).
/// </summary>
public sealed class ImageEmbeddingTransformer : BatchMapperTransformer<ImageEmbeddingOptions>
{
    internal const string KindName = "ImageEmbedding";
    internal const string OnnxFile = "image-encoder.onnx";

    private readonly byte[]? _onnxFile;                        // a given exported encoder, kept to save it again
    private readonly Dictionary<int, OnnxImageEncoderSession> _sessions = new();  // by image side
    private readonly Lock _sessionsLock = new();

    private ImageEmbeddingTransformer(ImageEmbeddingOptions options, MaMAModelHandle model, byte[]? onnxFile) : base(options, model)
    {
        _onnxFile = onnxFile;
    }

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <summary>Size of the output vector.</summary>
    public int OutputSize => OutputSizeOf(Options.Output, Model.Config);

    /// <summary>The engine that runs the encoder.</summary>
    public MaMAInferenceBackend Backend => Options.Backend;

    internal static int OutputSizeOf(ImageEmbeddingKind kind, Modeling.MaMA.MaMAConfig config) =>
        kind == ImageEmbeddingKind.Embedding ? config.EmbeddingSize : config.ImageFeatureWidth;

    /// <summary>Reads a given ONNX file first (so a missing file costs no model load), then loads the model.</summary>
    /// <exception cref="FileNotFoundException">The ONNX file does not exist.</exception>
    internal static ImageEmbeddingTransformer Create(ImageEmbeddingOptions options)
    {
        byte[]? onnxFile = null;
        if (options.Backend == MaMAInferenceBackend.OnnxRuntime && !string.IsNullOrWhiteSpace(options.OnnxModelPath))
        {
            if (!File.Exists(options.OnnxModelPath))
                throw new FileNotFoundException($"ONNX image encoder '{options.OnnxModelPath}' does not exist.", options.OnnxModelPath);
            onnxFile = File.ReadAllBytes(options.OnnxModelPath);
        }
        // The ONNX path exports from (and saves) a CPU copy of the model; TorchSharp runs where it is told.
        string device = options.Backend == MaMAInferenceBackend.OnnxRuntime ? "cpu" : options.Device;
        return new ImageEmbeddingTransformer(options, MaMAModelHandle.Load(options.ModelDirectory, device), onnxFile);
    }

    private protected override IBatchMapper CreateMapper() =>
        Options.Backend == MaMAInferenceBackend.OnnxRuntime ? new OnnxMapper(Options, Model, this) : new Mapper(Options, Model);

    /// <summary>The session for S x S images, opened once (exporting the model's encoder when no file was given).</summary>
    private OnnxImageEncoderSession SessionFor(int side)
    {
        lock (_sessionsLock)
        {
            if (_sessions.TryGetValue(side, out var session)) return session;
            byte[] bytes;
            string source;
            if (_onnxFile is not null)
                (bytes, source) = (_onnxFile, string.IsNullOrWhiteSpace(Options.OnnxModelPath) ? "the saved ONNX image encoder" : $"'{Options.OnnxModelPath}'");
            else
                (bytes, source) = (OnnxModelFile.ToBytes(MaMAModelOnnxExporter.ExportImageEncoder(Model.Model, side)), $"the image encoder exported at {side} px");
            session = OnnxImageEncoderSession.Open(bytes, source, side, Model.Config.EmbeddingSize, Options.OnnxIntraOpThreads, Options.Device);
            _sessions[side] = session;
            return session;
        }
    }

    private protected override void SaveExtra(string folder)
    {
        if (_onnxFile is not null) File.WriteAllBytes(Path.Combine(folder, OnnxFile), _onnxFile);
    }

    private protected override void DisposeExtra()
    {
        lock (_sessionsLock)
        {
            foreach (var session in _sessions.Values) session.Dispose();
            _sessions.Clear();
        }
    }

    internal static ImageEmbeddingTransformer LoadFrom(string folder)
    {
        var (options, model) = ReadStage<ImageEmbeddingOptions>(folder);
        string onnx = Path.Combine(folder, OnnxFile);
        // The stage's own copy replaces the path it was read from, which need not exist where the pipeline is loaded.
        return new ImageEmbeddingTransformer(options, model, File.Exists(onnx) ? File.ReadAllBytes(onnx) : null);
    }

    private sealed class Mapper(ImageEmbeddingOptions options, MaMAModelHandle model) : IBatchMapper
    {
        private int _side;

        public IReadOnlyList<string> InputColumnNames { get; } = [options.InputColumnName];

        public IReadOnlyList<BatchOutputColumn> OutputColumns { get; } =
            [ImageBatch.VectorColumn(options.OutputColumnName, OutputSizeOf(options.Output, model.Config))];

        public int BatchSize => options.BatchSize;

        public void ValidateInputSchema(DataViewSchema inputSchema) =>
            _side = ImageBatch.ModelSideOf(inputSchema, options.InputColumnName, model.Config);

        public void MapBatch(BatchInputs inputs, int rowCount, object?[][] outputs, bool[] activeOutputs)
        {
            using var scope = NewDisposeScope();
            var pixels = ImageBatch.ToTensor(inputs, 0, rowCount, _side, model);
            using var encoding = model.Model.EncodeImages(pixels);
            ImageBatch.ToRows(options.Output == ImageEmbeddingKind.Embedding ? encoding.Embedding : encoding.PooledFeature, outputs[0], rowCount);
        }
    }

    /// <summary>The ONNX Runtime path: the cursor's packed batch goes to the session as it is.</summary>
    private sealed class OnnxMapper(ImageEmbeddingOptions options, MaMAModelHandle model, ImageEmbeddingTransformer owner) : IBatchMapper
    {
        private OnnxImageEncoderSession? _session;

        public IReadOnlyList<string> InputColumnNames { get; } = [options.InputColumnName];

        public IReadOnlyList<BatchOutputColumn> OutputColumns { get; } = [ImageBatch.VectorColumn(options.OutputColumnName, model.Config.EmbeddingSize)];

        public int BatchSize => options.BatchSize;

        public void ValidateInputSchema(DataViewSchema inputSchema) =>
            _session = owner.SessionFor(ImageBatch.ModelSideOf(inputSchema, options.InputColumnName, model.Config));

        public void MapBatch(BatchInputs inputs, int rowCount, object?[][] outputs, bool[] activeOutputs)
        {
            var session = _session ?? throw new InvalidOperationException("the input schema was not validated before mapping");
            session.Run(ImageBatch.ToPacked(inputs, 0, rowCount, session.ImageSize), rowCount, outputs[0]);
        }
    }
}
