using MaMA.MLNet.Persistence;
using MaMA.MLNet.Pretraining;
using MaMA.MLNet.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.Components;

/// <summary>
/// What <see cref="MaMAPretrainingEstimator.Fit"/> returns: the image embedding transformer over the freshly trained
/// model directory, plus how training went. Transforming adds the embedding column (L2-normalised, the model's
/// embedding size) from the model-ready image column.
/// </summary>
/// <remarks>
/// Saved with <c>mlContext.Model.SaveMaMA</c> it is an image embedding stage (the training record is not part of
/// a pipeline), so <c>LoadMaMA</c> gives back an <see cref="ImageEmbeddingTransformer"/> that embeds identically.
/// </remarks>
public sealed class MaMAPretrainingTransformer : IMaMATransformer, IDisposable
{
    internal MaMAPretrainingTransformer(ImageEmbeddingTransformer embedding, MaMAPretrainingResult result, IReadOnlyList<TrainingProgress> history)
    {
        Embedding = embedding;
        Result = result;
        History = history;
    }

    /// <summary>The embedding transformer over the trained model (its <c>Model</c> is the trained model, in eval mode).</summary>
    public ImageEmbeddingTransformer Embedding { get; }

    /// <summary>How the run ended (stop reason, final step, checkpoints), the model directory and the JSON-lines log.</summary>
    public MaMAPretrainingResult Result { get; }

    /// <summary>The report of every step of this run (losses per term, learning rate, throughput), in order.</summary>
    public IReadOnlyList<TrainingProgress> History { get; }

    /// <summary>The loss terms of the last step of this run; empty when no step ran (e.g. cancelled at once).</summary>
    public IReadOnlyDictionary<string, double> FinalLosses => History.Count > 0 ? History[^1].Losses : new Dictionary<string, double>();

    /// <summary>The saved model (<c>MaMAModelDirectory</c> format).</summary>
    public string ModelDirectory => Result.ModelDirectory;

    /// <inheritdoc />
    public string Kind => Embedding.Kind;

    /// <inheritdoc />
    public bool IsRowToRowMapper => Embedding.IsRowToRowMapper;

    /// <summary>The input schema plus the embedding column.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The image column is missing or not model-ready images.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Embedding.GetOutputSchema(inputSchema);

    /// <summary>A lazy view with the embedding column.</summary>
    public IDataView Transform(IDataView input) => Embedding.Transform(input);

    /// <summary>The one-row mapper prediction engines use.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => Embedding.GetRowToRowMapper(inputSchema);

    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException("ML.NET's Model.Save cannot hold MaMA transformers; save the pipeline with mlContext.Model.SaveMaMA(...).");

    /// <inheritdoc />
    public void SaveTo(string folder) => Embedding.SaveTo(folder);

    /// <summary>Disposes the model.</summary>
    public void Dispose() => Embedding.Dispose();
}
