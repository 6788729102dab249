using MaMA.MLNet.DataViews;
using MaMA.MLNet.Logging;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MaMA.MLNet.Components;

/// <summary>
/// Trains a MaMA image classifier from a model-ready image column and a key label column: a linear probe on the
/// frozen encoder's pooled feature, or full fine-tuning of the encoder with the head (<see cref="FineTuneOptions"/>).
/// Create it with <c>mlContext.MulticlassClassification.Trainers.MaMAFineTune(options)</c>.
/// </summary>
/// <remarks>The training images are read into memory once (N x 3 x S x S floats): meant for the sizes fine-tuning sets have.</remarks>
public sealed class FineTuneEstimator : IEstimator<FineTuneTransformer>
{
    internal const string ComponentName = "MaMAFineTune";

    private readonly FineTuneOptions _options;
    private readonly IHost? _host;

    internal FineTuneEstimator(FineTuneOptions options, IHost? host = null)
    {
        options.Validate();
        _options = options;
        _host = host;
    }

    /// <summary>Loads the model, reads the training rows and trains.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The image or label column is missing or has the wrong type.</exception>
    /// <exception cref="ArgumentException">Fewer than two classes have rows.</exception>
    public FineTuneTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var model = MaMAModelHandle.Load(_options.ModelDirectory, _options.Device);
        try
        {
            int side = ImageBatch.ModelSideOf(input.Schema, _options.ImageColumnName, model.Config);
            var (classCount, classNames) = LabelOf(input.Schema);
            var (images, labels) = ReadRows(input);
            if (labels.Distinct().Count() < 2)
                throw new ArgumentException($"label column '{_options.LabelColumnName}' has rows of {labels.Distinct().Count()} class(es); fine-tuning needs at least two");
            using var log = new ComponentLog(_host, "FineTune");
            var (weight, bias, history) = new FineTuneTraining(_options, model, images, labels, classCount, side, log).Run();
            var head = new FineTuneHead(classCount, model.Config.ImageFeatureWidth, weight, bias, classNames);
            // The transformer keeps the settings without the caller's progress sink: it reported during Fit only.
            var kept = _options.Clone();
            kept.Progress = null;
            return new FineTuneTransformer(kept, model, head, history);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The input shape plus Score and PredictedLabel.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        // The shape carries no vector sizes, so one class stands in for the count; the reflection helper lives there.
        var shape = new MaMAEstimator<FineTuneTransformer>(() => throw new InvalidOperationException(),
            [_options.ImageColumnName, _options.LabelColumnName], () => FineTuneTransformer.OutputColumnsOf(_options, 1, null));
        return shape.GetOutputSchema(inputSchema);
    }

    private (int ClassCount, string[]? ClassNames) LabelOf(DataViewSchema schema)
    {
        var column = schema.GetColumnOrNull(_options.LabelColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"label column '{_options.LabelColumnName}' not found");
        if (column.Type is not KeyDataViewType { RawType: var raw } key || raw != typeof(uint))
            throw new ArgumentOutOfRangeException(nameof(schema), $"label column '{_options.LabelColumnName}' must be a UInt32 key (use MapValueToKey), not {column.Type}");
        if (key.Count < 2 || key.Count > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(schema), $"label column '{_options.LabelColumnName}' has {key.Count} key values; need at least two classes");
        int count = (int)key.Count;
        if (column.Annotations.Schema.GetColumnOrNull("KeyValues") is { Type: VectorDataViewType { ItemType: TextDataViewType } })
        {
            var values = default(VBuffer<ReadOnlyMemory<char>>);
            column.GetKeyValues(ref values);
            return (count, values.DenseValues().Select(v => v.ToString()).ToArray());
        }
        return (count, null);
    }

    // Rows with a missing label (key 0) are skipped.
    private (List<float[]> Images, int[] Labels) ReadRows(IDataView input)
    {
        var imageColumn = input.Schema[_options.ImageColumnName];
        var labelColumn = input.Schema[_options.LabelColumnName];
        var images = new List<float[]>();
        var labels = new List<int>();
        using var cursor = input.GetRowCursor([imageColumn, labelColumn]);
        var getImage = cursor.GetGetter<VBuffer<float>>(imageColumn);
        var getLabel = cursor.GetGetter<uint>(labelColumn);
        VBuffer<float> image = default;
        uint label = 0;
        while (cursor.MoveNext())
        {
            getLabel(ref label);
            if (label == 0) continue;
            getImage(ref image);
            images.Add(image.DenseValues().ToArray());
            labels.Add((int)label - 1);
        }
        if (images.Count == 0) throw new ArgumentException($"no rows with a label in column '{_options.LabelColumnName}' to train on");
        return (images, labels.ToArray());
    }
}
