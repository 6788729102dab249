using System.Text.Json;
using MaMA.MLNet.DataViews;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MaMA.MLNet.Components;

/// <summary>
/// A fine-tuned MaMA classifier: the (frozen or fine-tuned) image encoder's pooled feature through a trained
/// linear head. Writes the columns ML.NET's multiclass evaluator reads: Score (class probabilities, slot names =
/// classes) and PredictedLabel (a key with the training label's key values).
/// </summary>
public sealed class FineTuneTransformer : BatchMapperTransformer<FineTuneOptions>
{
    internal const string KindName = "FineTune";
    internal const string HeadFile = "head.json";

    internal FineTuneTransformer(FineTuneOptions options, MaMAModelHandle model, FineTuneHead head, FineTuneHistory? history) : base(options, model)
    {
        head.Validate(KindName);
        if (head.FeatureSize != model.Config.ImageFeatureWidth)
            throw new InvalidDataException($"the head reads {head.FeatureSize} features but the model's pooled feature has {model.Config.ImageFeatureWidth}");
        Head = head;
        History = history;
    }

    /// <summary>The trained head.</summary>
    public FineTuneHead Head { get; }

    /// <summary>How training went; null for a transformer loaded from a file.</summary>
    public FineTuneHistory? History { get; }

    /// <inheritdoc />
    public override string Kind => KindName;

    private protected override IBatchMapper CreateMapper() => new Mapper(Options, Model, Head);

    private protected override void SaveExtra(string folder) =>
        File.WriteAllText(Path.Combine(folder, HeadFile), JsonSerializer.Serialize(Head, Persistence.MaMAJson.Options));

    internal static FineTuneTransformer LoadFrom(string folder)
    {
        string path = Path.Combine(folder, HeadFile);
        if (!File.Exists(path)) throw new InvalidDataException($"{folder}: missing {HeadFile}");
        var head = JsonSerializer.Deserialize<FineTuneHead>(File.ReadAllText(path), Persistence.MaMAJson.Options)
            ?? throw new InvalidDataException($"{path}: empty");
        head.Validate(path);
        var (options, model) = ReadStage<FineTuneOptions>(folder);
        return new FineTuneTransformer(options, model, head, history: null);
    }

    /// <summary>Score and PredictedLabel columns for <paramref name="classCount"/> classes with optional names.</summary>
    internal static IReadOnlyList<BatchOutputColumn> OutputColumnsOf(FineTuneOptions options, int classCount, string[]? classNames)
    {
        DataViewSchema.Annotations? slotNames = null, keyValues = null;
        if (classNames is not null)
        {
            var names = new VBuffer<ReadOnlyMemory<char>>(classCount, classNames.Select(n => n.AsMemory()).ToArray());
            var type = new VectorDataViewType(TextDataViewType.Instance, classCount);
            ValueGetter<VBuffer<ReadOnlyMemory<char>>> getter = (ref VBuffer<ReadOnlyMemory<char>> v) => names.CopyTo(ref v);
            var slots = new DataViewSchema.Annotations.Builder();
            slots.Add("SlotNames", type, getter);
            var keys = new DataViewSchema.Annotations.Builder();
            keys.Add("KeyValues", type, getter);
            (slotNames, keyValues) = (slots.ToAnnotations(), keys.ToAnnotations());
        }
        return
        [
            new BatchOutputColumn(options.ScoreColumnName, new VectorDataViewType(NumberDataViewType.Single, classCount), slotNames),
            new BatchOutputColumn(options.PredictedLabelColumnName, new KeyDataViewType(typeof(uint), classCount), keyValues),
        ];
    }

    private sealed class Mapper(FineTuneOptions options, MaMAModelHandle model, FineTuneHead head) : IBatchMapper
    {
        private int _side;

        public IReadOnlyList<string> InputColumnNames { get; } = [options.ImageColumnName];

        public IReadOnlyList<BatchOutputColumn> OutputColumns { get; } = OutputColumnsOf(options, head.ClassCount, head.ClassNames);

        public int BatchSize => options.BatchSize;

        public void ValidateInputSchema(DataViewSchema inputSchema) =>
            _side = ImageBatch.ModelSideOf(inputSchema, options.ImageColumnName, model.Config);

        public void MapBatch(BatchInputs inputs, int rowCount, object?[][] outputs, bool[] activeOutputs)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var pixels = ImageBatch.ToTensor(inputs, 0, rowCount, _side, model);
            using var encoding = model.Model.EncodeImages(pixels);
            var probabilities = F.softmax(head.Logits(encoding.PooledFeature), -1).cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray();
            int k = head.ClassCount;
            for (int r = 0; r < rowCount; r++)
            {
                var row = probabilities.AsSpan(r * k, k);
                int best = 0;
                for (int c = 1; c < k; c++) if (row[c] > row[best]) best = c;
                if (activeOutputs[0]) outputs[0][r] = new VBuffer<float>(k, row.ToArray());
                if (activeOutputs[1]) outputs[1][r] = (uint)(best + 1); // key values are 1-based; 0 is "missing"
            }
        }
    }
}
