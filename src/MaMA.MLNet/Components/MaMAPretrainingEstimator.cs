using System.Globalization;
using MaMA.MLNet.DataViews;
using MaMA.MLNet.Logging;
using MaMA.MLNet.Pretraining;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MaMA.MLNet.Components;

/// <summary>
/// Pretrains a MaMA model on the rows of an <see cref="IDataView"/> (image paths, study ids, and metadata for the
/// structured captions or a free-text caption column) with <see cref="MaMAPretraining.Run(IReadOnlyList{Data.Manifest.MammogramRecord}, MaMAPretrainingOptions, IProgress{Training.TrainingProgress}?, CancellationToken)"/>,
/// and returns the image embedding transformer over the trained model. Create it with
/// <c>mlContext.Transforms.MaMAPretraining(options)</c>; progress goes to <c>MLContext.Log</c> and <see cref="Options.Progress"/>.
/// </summary>
/// <remarks>
/// Every column is checked before training starts, including the model-ready image column the returned
/// transformer embeds (its side must be the model's image size), so a mistake costs no training time.
/// </remarks>
public sealed partial class MaMAPretrainingEstimator : IEstimator<MaMAPretrainingTransformer>
{
    internal const string ComponentName = "MaMAPretraining";

    private readonly Options _options;
    private readonly IHost? _host;

    internal MaMAPretrainingEstimator(Options options, IHost? host)
    {
        options.Validate();
        _options = options;
        _host = host;
    }

    /// <summary>Checks the columns, reads the rows, trains, saves the model and returns its embedding transformer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type; the message names it.</exception>
    /// <exception cref="PretrainingDataException">A row holds a value that cannot be used.</exception>
    /// <exception cref="ArgumentException">Fewer rows than one training batch.</exception>
    public MaMAPretrainingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        // The seed is drawn at Fit, as ML.NET trainers draw theirs from their host.
        long seed = _options.Seed ?? _host?.Rand.Next() ?? 42;
        var run = _options.ToRunOptions(seed);
        var config = run.ResolveConfig();
        CheckImageColumn(input.Schema, config.ImageSize, config.ImageSideMultiple);
        var (records, captions) = PretrainingRows.Read(input, _options);

        using var log = new ComponentLog(_host, "Pretraining");
        var c = CultureInfo.InvariantCulture;
        int studies = records.Select(r => r.StudyId).Distinct(StringComparer.Ordinal).Count();
        log.Info(string.Create(c, $"MaMA pretraining: {records.Count} images in {studies} studies, {(captions is null ? "structured" : "free-text")} captions, " +
            $"{(run.Config is null ? "preset " + run.Preset : "custom config")} at {config.ImageSize} px, {run.Steps} steps of {run.BatchSize}, lr {run.LearningRate:0.00e+00}, seed {seed}, device {run.Device}, output {run.OutputDirectory}"));
        var progress = new PretrainingProgressLog(log, _options.LogEverySteps, _options.Progress);
        var result = MaMAPretraining.Run(records, run, captions, validationRecords: null, progress, _options.CancellationToken);
        log.Info($"MaMA pretraining {result.Training.StopReason.ToString().ToLowerInvariant()} at step {result.Training.Step}; model saved to {result.ModelDirectory}");

        var embeddingOptions = new ImageEmbeddingOptions
        {
            ModelDirectory = result.ModelDirectory,
            InputColumnName = _options.ImageColumnName,
            OutputColumnName = _options.OutputColumnName,
            Device = _options.Device,
            BatchSize = _options.EmbeddingBatchSize,
        };
        var embedding = ImageEmbeddingTransformer.Create(embeddingOptions);
        return new MaMAPretrainingTransformer(embedding, result, progress.History);
    }

    /// <summary>The input shape plus the embedding column (size from the configuration; nothing is trained).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        PretrainingRows.Check(inputSchema, _options);
        string image = _options.ImageColumnName;
        if (PretrainingRows.Find(inputSchema, image) is not { } column)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"input column '{image}' (model-ready image) not found");
        if (column.Kind != SchemaShape.Column.VectorKind.Vector || column.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Schema mismatch for input column '{image}' (model-ready image): expected a known-size Single vector [3, S, S], got {column.Kind} of {column.ItemType}");
        int size = _options.ToRunOptions(0).ResolveConfig().EmbeddingSize;
        // MaMAEstimator holds the reflection that builds SchemaShape columns.
        var shape = new MaMAEstimator<MaMAPretrainingTransformer>(() => throw new InvalidOperationException(), [image],
            () => [new BatchOutputColumn(_options.OutputColumnName, new VectorDataViewType(NumberDataViewType.Single, size))]);
        return shape.GetOutputSchema(inputSchema);
    }

    private void CheckImageColumn(DataViewSchema schema, int imageSize, int sideMultiple)
    {
        PretrainingRows.Check(schema, _options);
        int side = ImageBatch.SideOf(schema, _options.ImageColumnName, sideMultiple);
        if (side != imageSize)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"column '{_options.ImageColumnName}' holds {side} x {side} images but the model trains at {imageSize} x {imageSize}; load them at that size (LoadMammograms with Preprocessing.ImageSize = {imageSize})");
    }
}
