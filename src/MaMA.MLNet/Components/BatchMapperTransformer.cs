using System.Text.Json;
using MaMA.MLNet.DataViews;
using MaMA.MLNet.Persistence;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.Components;

/// <summary>
/// Base of the model-backed transformers: <see cref="Transform"/> is a lazy <see cref="BatchMappedDataView"/> over
/// the mapper the subclass builds; saving writes the options as JSON and the model as a model directory.
/// </summary>
/// <typeparam name="TOptions">The component's options type (serialised to options.json).</typeparam>
public abstract class BatchMapperTransformer<TOptions> : IMaMATransformer, IDisposable
    where TOptions : MaMAModelOptions
{
    internal const string OptionsFile = "options.json";
    internal const string ModelFolder = "model";

    private protected BatchMapperTransformer(TOptions options, MaMAModelHandle model)
    {
        Options = options;
        Model = model;
    }

    /// <summary>The settings this transformer was built with.</summary>
    protected TOptions Options { get; }

    /// <summary>The loaded model, shared read-only by every cursor.</summary>
    public MaMAModelHandle Model { get; }

    /// <summary>The mapper that computes the added columns.</summary>
    private protected abstract IBatchMapper CreateMapper();

    /// <summary>True: prediction engines work (a row is a batch of one); <see cref="Transform"/> batches for throughput.</summary>
    public bool IsRowToRowMapper => true;

    /// <inheritdoc />
    public abstract string Kind { get; }

    /// <summary>The input schema plus the added columns.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or has the wrong type.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var mapper = CreateMapper();
        mapper.ValidateInputSchema(inputSchema);
        return BatchMappedDataView.BuildSchema(inputSchema, mapper);
    }

    /// <summary>A lazy view: the model runs a batch at a time as cursors move.</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new BatchMappedDataView(input, CreateMapper());
    }

    /// <summary>The one-row mapper prediction engines use.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
        new BatchMapperRowMapper(inputSchema ?? throw new ArgumentNullException(nameof(inputSchema)), CreateMapper());

    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException("ML.NET's Model.Save cannot hold MaMA transformers; save the pipeline with mlContext.Model.SaveMaMA(...).");

    /// <inheritdoc />
    public void SaveTo(string folder)
    {
        File.WriteAllText(Path.Combine(folder, OptionsFile), JsonSerializer.Serialize(Options, MaMAJson.Options));
        Model.Save(Path.Combine(folder, ModelFolder));
        SaveExtra(folder);
    }

    /// <summary>Writes anything beyond the options and the model (e.g. trained head weights).</summary>
    private protected virtual void SaveExtra(string folder)
    {
    }

    /// <summary>Reads the options and the model of a stage folder written by <see cref="SaveTo"/>.</summary>
    /// <exception cref="InvalidDataException">The folder lacks options.json or it is empty.</exception>
    private protected static (T Options, MaMAModelHandle Model) ReadStage<T>(string folder) where T : MaMAModelOptions
    {
        string path = Path.Combine(folder, OptionsFile);
        if (!File.Exists(path)) throw new InvalidDataException($"{folder}: missing {OptionsFile}");
        var options = JsonSerializer.Deserialize<T>(File.ReadAllText(path), MaMAJson.Options)
            ?? throw new InvalidDataException($"{path}: empty");
        string modelFolder = Path.Combine(folder, ModelFolder);
        return (options, MaMAModelHandle.Load(modelFolder, options.Device));
    }

    /// <summary>Disposes the model (and whatever else the transformer holds).</summary>
    public void Dispose()
    {
        DisposeExtra();
        Model.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases anything beyond the model (e.g. an ONNX Runtime session).</summary>
    private protected virtual void DisposeExtra()
    {
    }
}
