using MaMA.MLNet.DataViews;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace MaMA.MLNet.Components;

/// <summary>
/// Adds, for each row's image and text, the patch-sentence similarity map upsampled to the image size
/// (Single vector [S, S]); see <see cref="TextGroundedLocalizer"/>. <see cref="SimilarityOverlay"/> draws it.
/// </summary>
public sealed class SimilarityMapTransformer : BatchMapperTransformer<SimilarityMapOptions>
{
    internal const string KindName = "SimilarityMap";

    internal SimilarityMapTransformer(SimilarityMapOptions options, MaMAModelHandle model) : base(options, model)
    {
        model.RequireTokenizer("Text-grounded localisation");
    }

    /// <inheritdoc />
    public override string Kind => KindName;

    private protected override IBatchMapper CreateMapper() => new Mapper(Options, Model);

    internal static SimilarityMapTransformer LoadFrom(string folder)
    {
        var (options, model) = ReadStage<SimilarityMapOptions>(folder);
        return new SimilarityMapTransformer(options, model);
    }

    private sealed class Mapper(SimilarityMapOptions options, MaMAModelHandle model) : IBatchMapper
    {
        private int _side;
        private List<BatchOutputColumn>? _outputs;

        public IReadOnlyList<string> InputColumnNames { get; } = [options.ImageColumnName, options.TextColumnName];

        public IReadOnlyList<BatchOutputColumn> OutputColumns => _outputs
            ?? throw new InvalidOperationException("the output size is known once the input schema is validated");

        public int BatchSize => options.BatchSize;

        public void ValidateInputSchema(DataViewSchema inputSchema)
        {
            _side = ImageBatch.ModelSideOf(inputSchema, options.ImageColumnName, model.Config);
            var text = inputSchema.GetColumnOrNull(options.TextColumnName)
                ?? throw new ArgumentOutOfRangeException(nameof(inputSchema), $"input column '{options.TextColumnName}' not found");
            if (text.Type is not TextDataViewType)
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"column '{options.TextColumnName}' must be text, not {text.Type}");
            _outputs = [new(options.OutputColumnName, new VectorDataViewType(NumberDataViewType.Single, _side, _side))];
        }

        public void MapBatch(BatchInputs inputs, int rowCount, object?[][] outputs, bool[] activeOutputs)
        {
            var texts = new string[rowCount];
            for (int r = 0; r < rowCount; r++) texts[r] = ((ReadOnlyMemory<char>)inputs[1][r]).ToString();
            using var scope = NewDisposeScope();
            var maps = TextGroundedLocalizer.ComputeMaps(model, ImageBatch.ToTensor(inputs, 0, rowCount, _side, model), texts);
            for (int r = 0; r < rowCount; r++) outputs[0][r] = new VBuffer<float>(maps[r].Length, maps[r]);
        }
    }
}
