using MaMA.MLNet.DataViews;
using Microsoft.ML;
using static TorchSharp.torch;

namespace MaMA.MLNet.Components;

/// <summary>
/// Adds a column with each image's MaMA embedding (L2-normalised, size E) or raw pooled ViT feature (size D),
/// running the image encoder a batch at a time. Lazy; parallel cursors share the model.
/// </summary>
public sealed class ImageEmbeddingTransformer : BatchMapperTransformer<ImageEmbeddingOptions>
{
    internal const string KindName = "ImageEmbedding";

    internal ImageEmbeddingTransformer(ImageEmbeddingOptions options, MaMAModelHandle model) : base(options, model)
    {
    }

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <summary>Size of the output vector.</summary>
    public int OutputSize => OutputSizeOf(Options.Output, Model.Config);

    internal static int OutputSizeOf(ImageEmbeddingKind kind, Modeling.MaMA.MaMAConfig config) =>
        kind == ImageEmbeddingKind.Embedding ? config.EmbeddingSize : config.Vision.Width;

    private protected override IBatchMapper CreateMapper() => new Mapper(Options, Model);

    internal static ImageEmbeddingTransformer LoadFrom(string folder)
    {
        var (options, model) = ReadStage<ImageEmbeddingOptions>(folder);
        return new ImageEmbeddingTransformer(options, model);
    }

    private sealed class Mapper(ImageEmbeddingOptions options, MaMAModelHandle model) : IBatchMapper
    {
        private int _side;

        public IReadOnlyList<string> InputColumnNames { get; } = [options.InputColumnName];

        public IReadOnlyList<BatchOutputColumn> OutputColumns { get; } =
            [ImageBatch.VectorColumn(options.OutputColumnName, OutputSizeOf(options.Output, model.Config))];

        public int BatchSize => options.BatchSize;

        public void ValidateInputSchema(DataViewSchema inputSchema) =>
            _side = ImageBatch.SideOf(inputSchema, options.InputColumnName, model.Config.Vision.PatchSize);

        public void MapBatch(BatchInputs inputs, int rowCount, object?[][] outputs, bool[] activeOutputs)
        {
            using var scope = NewDisposeScope();
            var pixels = ImageBatch.ToTensor(inputs, 0, rowCount, _side, model);
            using var encoding = model.Model.EncodeImages(pixels);
            ImageBatch.ToRows(options.Output == ImageEmbeddingKind.Embedding ? encoding.Embedding : encoding.PooledFeature, outputs[0], rowCount);
        }
    }
}
