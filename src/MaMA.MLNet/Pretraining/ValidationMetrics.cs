using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Tokenization;
using static TorchSharp.torch;

namespace MaMA.MLNet.Pretraining;

/// <summary>
/// The held-out metrics a pretraining run logs every <see cref="MaMAPretrainingOptions.ValidateEvery"/> steps: zero-shot
/// balanced accuracy and macro AUC for density and cancer (where the records are labelled), image-to-text top-1,
/// image-to-report (clinical caption) top-1 and density-level image-to-text retrieval precision@1 and @5.
/// </summary>
public static class ValidationMetrics
{
    /// <summary>Zero-shot density balanced accuracy (chance 0.25).</summary>
    public const string DensityBalancedAccuracy = "zeroshot_density_balanced_accuracy";

    /// <summary>Zero-shot density macro one-vs-rest AUC.</summary>
    public const string DensityAuc = "zeroshot_density_auc";

    /// <summary>Zero-shot cancer balanced accuracy (chance 0.5).</summary>
    public const string CancerBalancedAccuracy = "zeroshot_cancer_balanced_accuracy";

    /// <summary>Zero-shot cancer AUC.</summary>
    public const string CancerAuc = "zeroshot_cancer_auc";

    /// <summary>Image-to-text retrieval top-1 among the records' own captions (chance 1/N).</summary>
    public const string ImageToTextTop1 = "i2t_top1";

    /// <summary>Image-to-report retrieval top-1 among the distinct clinical captions (<see cref="MaMAZeroShotEvaluation.ImageToClinicalTextTop1"/>).</summary>
    public const string ImageToClinicalTextTop1 = "i2t_clinical_top1";

    /// <summary>Distinct clinical captions the retrieval chose among (chance 1/K).</summary>
    public const string DistinctClinicalCaptions = "i2t_clinical_candidates";

    /// <summary>Category-level image-to-text retrieval precision@1 by density (<see cref="CategoryRetrieval"/>; chance 1 / density classes).</summary>
    public const string DensityRetrievalPrecisionAt1 = "i2t_density_precision_at_1";

    /// <summary>The same at k = 5.</summary>
    public const string DensityRetrievalPrecisionAt5 = "i2t_density_precision_at_5";

    /// <summary>Density classes of the category retrieval (chance is 1 / this).</summary>
    public const string DensityRetrievalClasses = "i2t_density_classes";

    /// <summary>Computes the metrics on <paramref name="records"/> (the model is put in eval mode).</summary>
    public static IReadOnlyDictionary<string, double> Compute(MaMAModel model, MaMATokenizer tokenizer, IReadOnlyList<MammogramRecord> records)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(records);
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        if (records.Count == 0) throw new ArgumentException("no records to validate on", nameof(records));
        model.eval();
        using var scope = NewDisposeScope();
        using var inference = no_grad();
        // Every metric ranks the same images: embed them once.
        var images = MaMAZeroShotEvaluation.EmbedImages(model, records);
        if (MaMAZeroShotEvaluation.Classify(model, tokenizer, records, ZeroShotTask.Density, images) is { } density)
        {
            metrics[DensityBalancedAccuracy] = density.BalancedAccuracy;
            metrics[DensityAuc] = density.MacroAuc;
        }
        if (MaMAZeroShotEvaluation.Classify(model, tokenizer, records, ZeroShotTask.Cancer, images) is { } cancer)
        {
            metrics[CancerBalancedAccuracy] = cancer.BalancedAccuracy;
            metrics[CancerAuc] = cancer.MacroAuc;
        }
        metrics[ImageToTextTop1] = MaMAZeroShotEvaluation.ImageToTextTop1(model, tokenizer, records, images);
        var (clinical, candidates) = MaMAZeroShotEvaluation.ImageToClinicalTextTop1(model, tokenizer, records, images);
        metrics[ImageToClinicalTextTop1] = clinical;
        metrics[DistinctClinicalCaptions] = candidates;
        var retrieval = CategoryRetrieval.Evaluate(model, tokenizer, records, ZeroShotTask.Density, [1, 5], images);
        if (retrieval.Queries > 0) // P@5 is NaN with fewer than 5 queries
        {
            metrics[DensityRetrievalPrecisionAt1] = retrieval.PrecisionAtK[1];
            metrics[DensityRetrievalPrecisionAt5] = retrieval.PrecisionAtK[5];
            metrics[DensityRetrievalClasses] = retrieval.Classes;
        }
        return metrics;
    }
}
