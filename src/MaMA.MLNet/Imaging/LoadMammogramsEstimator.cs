using Microsoft.ML;

namespace MaMA.MLNet.Imaging;

/// <summary>
/// Estimator for <see cref="MammogramLoadingTransformer"/>. It learns nothing: <see cref="Fit"/> checks the input
/// column and returns the transformer. Create it with <c>mlContext.Transforms.LoadMammograms(...)</c>.
/// </summary>
public sealed class LoadMammogramsEstimator : IEstimator<MammogramLoadingTransformer>
{
    private readonly LoadMammogramsOptions _options;

    /// <summary>Creates the estimator; the options are copied.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A preprocessing option is out of range.</exception>
    /// <exception cref="ArgumentException">A column name is empty.</exception>
    public LoadMammogramsEstimator(LoadMammogramsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.InputColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.OutputColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ErrorColumnName);
        ArgumentNullException.ThrowIfNull(options.HeaderColumnPrefix);
        ArgumentNullException.ThrowIfNull(options.Preprocessing);
        options.Preprocessing.Validate();
        _options = options.Clone();
    }

    /// <summary>Checks the input column and returns the transformer.</summary>
    public MammogramLoadingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var transformer = new MammogramLoadingTransformer(_options);
        transformer.GetOutputSchema(input.Schema);
        return transformer;
    }

    /// <summary>The input shape plus the added columns.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or neither text nor a Byte vector.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return MammogramColumnLayout.OutputShape(inputSchema, _options);
    }
}
