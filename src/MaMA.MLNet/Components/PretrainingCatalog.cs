using MaMA.MLNet.Logging;
using Microsoft.ML;

namespace MaMA.MLNet.Components;

/// <summary>MaMA pretraining on ML.NET's transforms catalog.</summary>
public static class PretrainingCatalog
{
    /// <summary>
    /// Pretrains a MaMA model on the input rows when fitted, and returns the image embedding transformer over the
    /// trained model. The seed, unless given, comes from the MLContext; progress lines go to <c>MLContext.Log</c>.
    /// </summary>
    /// <param name="catalog">The transforms catalog (<c>mlContext.Transforms</c>).</param>
    /// <param name="options">Columns and run settings; copied, so later changes do not leak in.</param>
    /// <exception cref="ArgumentException">A setting is missing or out of range.</exception>
    public static MaMAPretrainingEstimator MaMAPretraining(this TransformsCatalog catalog, MaMAPretrainingEstimator.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new MaMAPretrainingEstimator(options.Clone(), CatalogEnvironment.Register(catalog, MaMAPretrainingEstimator.ComponentName));
    }
}
