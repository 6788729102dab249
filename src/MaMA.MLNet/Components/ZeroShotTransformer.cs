using MaMA.MLNet.DataViews;
using MaMA.MLNet.Modeling.MaMA;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MaMA.MLNet.Components;

/// <summary>
/// Zero-shot classification of images with MaMA: class embeddings from the prompts (prompt-ensembled), then for
/// each image softmax(exp(logit_scale) x cosine) over the classes. Writes the columns ML.NET's evaluators read:
/// multiclass Score (probabilities, slot names = classes) and PredictedLabel (a key whose key values are the
/// class names), or binary Score, Probability and PredictedLabel (Boolean).
/// </summary>
public sealed class ZeroShotTransformer : BatchMapperTransformer<ZeroShotOptions>
{
    internal const string KindName = "ZeroShot";
    private readonly ZeroShotClassifier _classifier;

    internal ZeroShotTransformer(ZeroShotOptions options, MaMAModelHandle model) : base(options, model)
    {
        ClassNames = options.ResolveClasses().Select(c => c.Name).ToArray();
        var prompts = options.ResolveClasses().Select(c => (IReadOnlyList<string>)c.Prompts).ToList();
        _classifier = ZeroShotClassifier.Create(model.Model, model.RequireTokenizer("Zero-shot classification"), prompts, options.BatchSize);
    }

    /// <summary>The classes, in score order.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <inheritdoc />
    public override string Kind => KindName;

    private protected override IBatchMapper CreateMapper() => new Mapper(Options, Model, _classifier, ClassNames);

    internal static IReadOnlyList<BatchOutputColumn> OutputColumnsOf(ZeroShotOptions options, IReadOnlyList<string> classNames)
    {
        if (options.Binary)
            return
            [
                new BatchOutputColumn(options.ScoreColumnName, NumberDataViewType.Single),
                new BatchOutputColumn(options.ProbabilityColumnName, NumberDataViewType.Single),
                new BatchOutputColumn(options.PredictedLabelColumnName, BooleanDataViewType.Instance),
            ];
        var names = new VBuffer<ReadOnlyMemory<char>>(classNames.Count, classNames.Select(n => n.AsMemory()).ToArray());
        var slotNames = new DataViewSchema.Annotations.Builder();
        slotNames.Add("SlotNames", new VectorDataViewType(TextDataViewType.Instance, classNames.Count), (ValueGetter<VBuffer<ReadOnlyMemory<char>>>)((ref VBuffer<ReadOnlyMemory<char>> v) => names.CopyTo(ref v)));
        var keyValues = new DataViewSchema.Annotations.Builder();
        keyValues.Add("KeyValues", new VectorDataViewType(TextDataViewType.Instance, classNames.Count), (ValueGetter<VBuffer<ReadOnlyMemory<char>>>)((ref VBuffer<ReadOnlyMemory<char>> v) => names.CopyTo(ref v)));
        return
        [
            new BatchOutputColumn(options.ScoreColumnName, new VectorDataViewType(NumberDataViewType.Single, classNames.Count), slotNames.ToAnnotations()),
            new BatchOutputColumn(options.PredictedLabelColumnName, new KeyDataViewType(typeof(uint), classNames.Count), keyValues.ToAnnotations()),
        ];
    }

    internal static ZeroShotTransformer LoadFrom(string folder)
    {
        var (options, model) = ReadStage<ZeroShotOptions>(folder);
        return new ZeroShotTransformer(options, model);
    }

    private sealed class Mapper(ZeroShotOptions options, MaMAModelHandle model, ZeroShotClassifier classifier, IReadOnlyList<string> classNames) : IBatchMapper
    {
        private int _side;
        private readonly bool _fromEmbedding = !string.IsNullOrWhiteSpace(options.EmbeddingColumnName);

        public IReadOnlyList<string> InputColumnNames { get; } = [options.InputColumnName];

        public IReadOnlyList<BatchOutputColumn> OutputColumns { get; } = OutputColumnsOf(options, classNames);

        public int BatchSize => options.BatchSize;

        public void ValidateInputSchema(DataViewSchema inputSchema)
        {
            if (_fromEmbedding) ImageBatch.CheckEmbeddingColumn(inputSchema, options.EmbeddingColumnName, model.Config.EmbeddingSize);
            else _side = ImageBatch.ModelSideOf(inputSchema, options.ImageColumnName, model.Config);
        }

        public void MapBatch(BatchInputs inputs, int rowCount, object?[][] outputs, bool[] activeOutputs)
        {
            using var scope = NewDisposeScope();
            Tensor logits;
            if (_fromEmbedding)
                logits = classifier.Logits(ImageBatch.VectorsToTensor(inputs, 0, rowCount, model.Config.EmbeddingSize, model));
            else
            {
                var pixels = ImageBatch.ToTensor(inputs, 0, rowCount, _side, model);
                using var encoding = model.Model.EncodeImages(pixels);
                logits = classifier.Logits(encoding.Embedding);
            }
            var probabilities = F.softmax(logits, -1).cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray();
            var raw = logits.cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray();
            int k = classNames.Count;
            for (int r = 0; r < rowCount; r++)
            {
                var row = probabilities.AsSpan(r * k, k);
                int best = 0;
                for (int c = 1; c < k; c++) if (row[c] > row[best]) best = c;
                // Only active outputs have storage (the cursor asked for them).
                if (options.Binary)
                {
                    if (activeOutputs[0]) outputs[0][r] = raw[r * k + 1] - raw[r * k];
                    if (activeOutputs[1]) outputs[1][r] = row[1];
                    if (activeOutputs[2]) outputs[2][r] = best == 1;
                }
                else
                {
                    if (activeOutputs[0]) outputs[0][r] = new VBuffer<float>(k, row.ToArray());
                    if (activeOutputs[1]) outputs[1][r] = (uint)(best + 1); // key values are 1-based; 0 is "missing"
                }
            }
        }
    }
}
