using System.Text.Json;
using MaMA.MLNet.Imaging.Preprocessing;
using MaMA.MLNet.Persistence;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.Imaging;

/// <summary>
/// Reads each row's mammogram (a file path or the file's bytes), preprocesses it into the model input and adds
/// the image, error and header columns. Lazy: rows are read when a cursor asks for them.
/// </summary>
/// <remarks>
/// Saved with <c>mlContext.Model.SaveMaMA</c> (its options, as JSON); ML.NET's own <c>Model.Save</c> cannot
/// hold transformers from outside ML.NET (see <see cref="MaMAModelFile"/>). A custom <see cref="LoadMammogramsOptions.Reader"/>
/// is not saved: the loaded transformer uses <see cref="MammogramReader.Default"/>.
/// </remarks>
public sealed class MammogramLoadingTransformer : IMaMATransformer
{
    internal const string KindName = "LoadMammograms";
    private const string OptionsFile = "options.json";

    private readonly LoadMammogramsOptions _options;
    private readonly MammogramPreprocessor _preprocessor;

    internal MammogramLoadingTransformer(LoadMammogramsOptions options)
    {
        _options = options.Clone();
        _preprocessor = new MammogramPreprocessor(_options.Preprocessing);
    }

    /// <summary>The settings (a copy).</summary>
    public LoadMammogramsOptions Options => _options.Clone();

    /// <summary>True: the transformer maps one row to one row, so prediction engines can use it.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input schema plus the added columns.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or neither text nor a Byte vector.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new MammogramColumnLayout(inputSchema, _options).Output;
    }

    /// <summary>A lazy view that reads each row's mammogram on demand.</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new MammogramDataView(input, new MammogramColumnLayout(input.Schema, _options), _options, _preprocessor);
    }

    /// <summary>A row mapper for prediction engines.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new Mapper(new MammogramColumnLayout(inputSchema, _options), _options, _preprocessor);
    }

    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException("ML.NET's Model.Save cannot hold MaMA transformers; save the pipeline with mlContext.Model.SaveMaMA(...).");

    /// <inheritdoc />
    public string Kind => KindName;

    /// <inheritdoc />
    public void SaveTo(string folder) =>
        File.WriteAllText(Path.Combine(folder, OptionsFile), JsonSerializer.Serialize(_options, MaMAJson.Options));

    internal static MammogramLoadingTransformer LoadFrom(string folder)
    {
        var options = JsonSerializer.Deserialize<LoadMammogramsOptions>(File.ReadAllText(Path.Combine(folder, OptionsFile)), MaMAJson.Options)
            ?? throw new InvalidDataException($"{folder}: empty {OptionsFile}");
        return new MammogramLoadingTransformer(options);
    }

    private sealed class Mapper(MammogramColumnLayout layout, LoadMammogramsOptions options, MammogramPreprocessor preprocessor) : IRowToRowMapper
    {
        public DataViewSchema InputSchema => layout.Input;

        public DataViewSchema OutputSchema => layout.Output;

        public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
        {
            var needed = new HashSet<int>();
            foreach (DataViewSchema.Column c in dependingColumns)
                needed.Add(layout.IsAdded(c.Index) ? layout.InputColumnIndex : c.Index);
            return needed.Order().Select(i => layout.Input[i]);
        }

        public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
        {
            var active = new bool[layout.Output.Count];
            foreach (DataViewSchema.Column c in activeColumns) active[c.Index] = true;
            bool anyAdded = active.Skip(layout.Input.Count).Any(a => a);
            return new MammogramRow(input, layout, active, anyAdded ? new MammogramRowReader(input, layout, options, preprocessor) : null);
        }
    }
}
