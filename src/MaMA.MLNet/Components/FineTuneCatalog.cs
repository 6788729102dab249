using MaMA.MLNet.Logging;
using Microsoft.ML;

namespace MaMA.MLNet.Components;

/// <summary>The fine-tuned classifier on ML.NET's multiclass trainers catalog.</summary>
public static class FineTuneCatalog
{
    /// <summary>
    /// A MaMA classifier trained on labelled images: linear probe (frozen encoder, linear head on the pooled
    /// feature) or full fine-tuning, with the MaMA recipe (SGD momentum 0.9, cosine 5e-4 to 1e-5 after warm-up,
    /// weight decay 1e-3, class-balanced batches). Outputs Score and PredictedLabel like ML.NET's multiclass trainers.
    /// </summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="options">Model directory, columns, mode and recipe; copied, so later changes do not leak in.</param>
    /// <remarks>Fit writes progress lines (steps, training and validation loss, early stopping) to <c>MLContext.Log</c>.</remarks>
    public static FineTuneEstimator MaMAFineTune(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, FineTuneOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new FineTuneEstimator(options.Clone(), CatalogEnvironment.Register(catalog, FineTuneEstimator.ComponentName));
    }
}
