using MaMA.MLNet.DataViews;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace MaMA.MLNet.Components;

/// <summary>
/// Adds a column with each text's MaMA embedding (L2-normalised, size E): the text is tokenised as a caption
/// (bos, sentences split by the sep token, eos, padded to the model's text length) and encoded a batch at a time.
/// </summary>
public sealed class TextEmbeddingTransformer : BatchMapperTransformer<TextEmbeddingOptions>
{
    internal const string KindName = "TextEmbedding";

    internal TextEmbeddingTransformer(TextEmbeddingOptions options, MaMAModelHandle model) : base(options, model)
    {
        model.RequireTokenizer("The text embedding");
    }

    /// <inheritdoc />
    public override string Kind => KindName;

    private protected override IBatchMapper CreateMapper() => new Mapper(Options, Model);

    internal static TextEmbeddingTransformer LoadFrom(string folder)
    {
        var (options, model) = ReadStage<TextEmbeddingOptions>(folder);
        return new TextEmbeddingTransformer(options, model);
    }

    /// <summary>Embeddings [B, E] of <paramref name="texts"/> (tokenised as captions), in a dispose scope of the caller.</summary>
    internal static Tensor Encode(MaMAModelHandle model, IReadOnlyList<string> texts)
    {
        var tokens = model.RequireTokenizer("Text encoding").EncodeCaptions(texts, model.Config.TextMaxLength);
        var (ids, mask) = tokens.ToTensors(model.Device);
        return model.Model.EncodeTexts(ids, mask);
    }

    private sealed class Mapper(TextEmbeddingOptions options, MaMAModelHandle model) : IBatchMapper
    {
        public IReadOnlyList<string> InputColumnNames { get; } = [options.InputColumnName];

        public IReadOnlyList<BatchOutputColumn> OutputColumns { get; } = [ImageBatch.VectorColumn(options.OutputColumnName, model.Config.EmbeddingSize)];

        public int BatchSize => options.BatchSize;

        public void ValidateInputSchema(DataViewSchema inputSchema)
        {
            var column = inputSchema.GetColumnOrNull(options.InputColumnName)
                ?? throw new ArgumentOutOfRangeException(nameof(inputSchema), $"input column '{options.InputColumnName}' not found");
            if (column.Type is not TextDataViewType)
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"column '{options.InputColumnName}' must be text, not {column.Type}");
        }

        public void MapBatch(BatchInputs inputs, int rowCount, object?[][] outputs, bool[] activeOutputs)
        {
            var texts = new string[rowCount];
            for (int r = 0; r < rowCount; r++) texts[r] = ((ReadOnlyMemory<char>)inputs[0][r]).ToString();
            using var scope = NewDisposeScope();
            ImageBatch.ToRows(Encode(model, texts), outputs[0], rowCount);
        }
    }
}
