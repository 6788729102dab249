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
        model.OnRelease(DisposeExtra);
    }

    /// <summary>The settings this transformer was built with.</summary>
    protected TOptions Options { get; }

    /// <summary>The loaded model, shared read-only by every cursor.</summary>
    public MaMAModelHandle Model { get; }

    /// <summary>The mapper that computes the added columns.</summary>
    private protected abstract IBatchMapper CreateMapper();

    // Every batch runs under a lease on the model, so a disposal on another thread waits for it to finish.
    private IBatchMapper CreateLeasedMapper(EngineReference? reference = null) => new LeasedMapper(CreateMapper(), Model, reference);

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
        return new BatchMappedDataView(input, CreateLeasedMapper());
    }

    /// <summary>
    /// The one-row mapper prediction engines use. It keeps the model alive for as long as it is reachable: ML.NET's
    /// prediction engine disposes the transformer (chain) it was made from, so with one engine per thread the first
    /// engine disposed would otherwise free the weights the others are reading.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The model has been freed.</exception>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new BatchMapperRowMapper(inputSchema, CreateLeasedMapper(new EngineReference(Model)));
    }

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
        // LoadMaMA(path, device): the stage runs (and saves) there instead.
        if (Persistence.MaMAModelFile.DeviceOverride.Value is { } device) options.Device = device;
        return (options, MaMAModelHandle.Load(modelFolder, options.Device));
    }

    /// <summary>
    /// Gives back the transformer's reference to the model. The model (and whatever else the transformer holds) is
    /// freed once no batch runs and no row mapper handed to a prediction engine is reachable any more.
    /// </summary>
    public void Dispose()
    {
        Model.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases anything beyond the model (e.g. an ONNX Runtime session); runs once, when the model is freed.</summary>
    private protected virtual void DisposeExtra()
    {
    }

    /// <summary>A row mapper's reference to the model, given back when the mapper (its engine) is collected.</summary>
    private sealed class EngineReference
    {
        private readonly MaMAModelHandle _model;

        public EngineReference(MaMAModelHandle model)
        {
            model.AddReference();
            _model = model;
        }

        ~EngineReference() => _model.ReleaseReference();
    }

    private sealed class LeasedMapper(IBatchMapper inner, MaMAModelHandle model, EngineReference? reference) : IBatchMapper
    {
        // Reachable as long as the row mapper that holds this mapper is.
        private readonly EngineReference? _reference = reference;

        public IReadOnlyList<string> InputColumnNames => inner.InputColumnNames;

        public IReadOnlyList<BatchOutputColumn> OutputColumns => inner.OutputColumns;

        public int BatchSize => inner.BatchSize;

        public void ValidateInputSchema(DataViewSchema inputSchema) => inner.ValidateInputSchema(inputSchema);

        public void MapBatch(BatchInputs inputs, int rowCount, object?[][] outputs, bool[] activeOutputs)
        {
            using var lease = model.Use();
            inner.MapBatch(inputs, rowCount, outputs, activeOutputs);
        }
    }
}
