using MaMA.MLNet.Components;
using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Imaging;
using Microsoft.ML;

namespace MaMA.MLNet;

/// <summary>The MaMA entry points on <see cref="MLContext"/>'s catalogs.</summary>
public static class MaMACatalog
{
    /// <summary>
    /// Reads mammograms (DICOM, PNG, JPEG, TIFF, PGM; the format is sniffed) from a column of file paths or file
    /// bytes and adds the model-ready image (Single vector [3, ImageSize, ImageSize]), a read-error column and
    /// header columns.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Name of the image column to add.</param>
    /// <param name="inputColumnName">Name of the text (path) or Byte vector (contents) column.</param>
    /// <param name="options">Everything else; the column names given here override those in the options.</param>
    public static LoadMammogramsEstimator LoadMammograms(this TransformsCatalog catalog, string outputColumnName = "Image",
        string inputColumnName = "Path", LoadMammogramsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        LoadMammogramsOptions copy = options?.Clone() ?? new LoadMammogramsOptions();
        copy.OutputColumnName = outputColumnName;
        copy.InputColumnName = inputColumnName;
        return new LoadMammogramsEstimator(copy);
    }

    /// <summary>
    /// Adds each image's MaMA embedding (L2-normalised, the model's embedding size) or raw pooled ViT feature,
    /// computed a batch at a time from a model-ready image column (as <see cref="LoadMammograms"/> writes it).
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="modelDirectory">A MaMA model directory.</param>
    /// <param name="outputColumnName">The embedding column to add.</param>
    /// <param name="inputColumnName">The image column (Single vector [3, S, S]).</param>
    /// <param name="options">
    /// Everything else (device, batch size, embedding or pooled feature, TorchSharp or ONNX Runtime backend); the
    /// arguments above override it.
    /// </param>
    /// <exception cref="ArgumentException">An option is out of range or the backend cannot do what is asked.</exception>
    public static MaMAEstimator<ImageEmbeddingTransformer> MaMAImageEmbedding(this TransformsCatalog catalog, string modelDirectory,
        string outputColumnName = "Embedding", string inputColumnName = "Image", ImageEmbeddingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var copy = options?.Clone() ?? new ImageEmbeddingOptions();
        (copy.ModelDirectory, copy.OutputColumnName, copy.InputColumnName) = (modelDirectory, outputColumnName, inputColumnName);
        copy.Validate();
        return new MaMAEstimator<ImageEmbeddingTransformer>(
            () => ImageEmbeddingTransformer.Create(copy),
            [copy.InputColumnName],
            () => [new(copy.OutputColumnName, new Microsoft.ML.Data.VectorDataViewType(Microsoft.ML.Data.NumberDataViewType.Single,
                ImageEmbeddingTransformer.OutputSizeOf(copy.Output, ReadConfig(copy.ModelDirectory))))]);
    }

    /// <summary>Adds each text's MaMA embedding (L2-normalised), encoded a batch at a time with the model's tokenizer.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="modelDirectory">A MaMA model directory with a tokenizer.</param>
    /// <param name="outputColumnName">The embedding column to add.</param>
    /// <param name="inputColumnName">The text column.</param>
    /// <param name="options">Device and batch size; the arguments above override it.</param>
    public static MaMAEstimator<TextEmbeddingTransformer> MaMATextEmbedding(this TransformsCatalog catalog, string modelDirectory,
        string outputColumnName = "TextEmbedding", string inputColumnName = "Text", TextEmbeddingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var copy = options?.Clone() ?? new TextEmbeddingOptions();
        (copy.ModelDirectory, copy.OutputColumnName, copy.InputColumnName) = (modelDirectory, outputColumnName, inputColumnName);
        copy.Validate();
        return new MaMAEstimator<TextEmbeddingTransformer>(
            () => new TextEmbeddingTransformer(copy, MaMAModelHandle.Load(copy.ModelDirectory, copy.Device)),
            [copy.InputColumnName],
            () => [new(copy.OutputColumnName, new Microsoft.ML.Data.VectorDataViewType(Microsoft.ML.Data.NumberDataViewType.Single,
                ReadConfig(copy.ModelDirectory).EmbeddingSize))]);
    }

    /// <summary>
    /// Zero-shot classification with a built-in MaMA prompt set (density, BI-RADS, cancer): Score (class
    /// probabilities) and PredictedLabel (key over the class names), ready for <c>MulticlassClassification.Evaluate</c>.
    /// Map the label with the same class order (<c>MapValueToKey(..., keyData: ...)</c>) before evaluating.
    /// </summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="modelDirectory">A MaMA model directory with a tokenizer.</param>
    /// <param name="task">The built-in prompt set.</param>
    /// <param name="imageColumnName">The model-ready image column.</param>
    /// <param name="options">Device, batch size, output column names; the arguments above override it.</param>
    public static MaMAEstimator<ZeroShotTransformer> MaMAZeroShot(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string modelDirectory, ZeroShotTask task, string imageColumnName = "Image", ZeroShotOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var copy = options?.Clone() ?? new ZeroShotOptions();
        (copy.ModelDirectory, copy.Task, copy.ImageColumnName, copy.Classes) = (modelDirectory, task, imageColumnName, []);
        return ZeroShot(copy);
    }

    /// <summary>Zero-shot classification with custom classes, each described by one or more prompts (ensembled).</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="modelDirectory">A MaMA model directory with a tokenizer.</param>
    /// <param name="classes">The classes in score order, each with its prompts.</param>
    /// <param name="imageColumnName">The model-ready image column.</param>
    /// <param name="options">Device, batch size, output column names; the arguments above override it.</param>
    public static MaMAEstimator<ZeroShotTransformer> MaMAZeroShot(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string modelDirectory, IEnumerable<ZeroShotClass> classes, string imageColumnName = "Image", ZeroShotOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(classes);
        var copy = options?.Clone() ?? new ZeroShotOptions();
        (copy.ModelDirectory, copy.ImageColumnName) = (modelDirectory, imageColumnName);
        copy.Classes = classes.Select(c => new ZeroShotClass { Name = c.Name, Prompts = [.. c.Prompts] }).ToList();
        return ZeroShot(copy);
    }

    /// <summary>
    /// Binary zero-shot cancer detection with MaMA's cancer prompts (negative, positive): Score (logit margin),
    /// Probability and PredictedLabel (Boolean), ready for <c>BinaryClassification.Evaluate</c> with a Boolean label.
    /// </summary>
    /// <param name="catalog">The binary trainers catalog.</param>
    /// <param name="modelDirectory">A MaMA model directory with a tokenizer.</param>
    /// <param name="imageColumnName">The model-ready image column.</param>
    /// <param name="options">Device, batch size, output column names; custom two classes (negative first) may replace the prompts.</param>
    public static MaMAEstimator<ZeroShotTransformer> MaMAZeroShotCancer(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        string modelDirectory, string imageColumnName = "Image", ZeroShotOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var copy = options?.Clone() ?? new ZeroShotOptions();
        (copy.ModelDirectory, copy.ImageColumnName, copy.Binary) = (modelDirectory, imageColumnName, true);
        if (copy.Classes.Count == 0) copy.Task = ZeroShotTask.Cancer;
        return ZeroShot(copy);
    }

    /// <summary>
    /// Text-grounded localisation: adds, for each row's image and text, the patch-sentence cosine similarity map
    /// upsampled bilinearly to the image size (Single vector [S, S]). Draw it with <see cref="SimilarityOverlay"/>.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="modelDirectory">A MaMA model directory with a tokenizer.</param>
    /// <param name="outputColumnName">The map column to add.</param>
    /// <param name="imageColumnName">The model-ready image column.</param>
    /// <param name="textColumnName">The text column.</param>
    /// <param name="options">Device and batch size; the arguments above override it.</param>
    public static MaMAEstimator<SimilarityMapTransformer> MaMASimilarityMap(this TransformsCatalog catalog, string modelDirectory,
        string outputColumnName = "SimilarityMap", string imageColumnName = "Image", string textColumnName = "Text", SimilarityMapOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var copy = options?.Clone() ?? new SimilarityMapOptions();
        (copy.ModelDirectory, copy.OutputColumnName, copy.ImageColumnName, copy.TextColumnName) = (modelDirectory, outputColumnName, imageColumnName, textColumnName);
        copy.Validate();
        return new MaMAEstimator<SimilarityMapTransformer>(
            () => new SimilarityMapTransformer(copy, MaMAModelHandle.Load(copy.ModelDirectory, copy.Device)),
            [copy.ImageColumnName, copy.TextColumnName],
            // The side is the input image's, known only from the data's schema: the shape says "a Single vector".
            () => [new(copy.OutputColumnName, new Microsoft.ML.Data.VectorDataViewType(Microsoft.ML.Data.NumberDataViewType.Single))]);
    }

    private static MaMAEstimator<ZeroShotTransformer> ZeroShot(ZeroShotOptions options)
    {
        options.Validate();
        var names = options.ResolveClasses().Select(c => c.Name).ToArray();
        return new MaMAEstimator<ZeroShotTransformer>(
            () => new ZeroShotTransformer(options, MaMAModelHandle.Load(options.ModelDirectory, options.Device)),
            [options.InputColumnName],
            () => ZeroShotTransformer.OutputColumnsOf(options, names));
    }

    private static Modeling.MaMA.MaMAConfig ReadConfig(string modelDirectory)
    {
        string path = Path.Combine(modelDirectory, Modeling.MaMA.MaMAModelDirectory.ConfigFile);
        if (!File.Exists(path)) throw new Modeling.MaMA.MaMAModelFormatException(path, "missing: not a MaMA model directory.");
        return Modeling.MaMA.MaMAConfig.FromJson(File.ReadAllText(path), path);
    }
}
