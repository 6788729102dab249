using MaMA.MLNet.Imaging.Pixels;
using MaMA.MLNet.Imaging.Preprocessing;

namespace MaMA.MLNet.Imaging;

/// <summary>Settings of <see cref="LoadMammogramsEstimator"/>.</summary>
public sealed class LoadMammogramsOptions
{
    /// <summary>
    /// The output image column: Single vector of shape [3, ImageSize, ImageSize], normalised. Set by the catalog
    /// method's <c>outputColumnName</c>; "Image" by default.
    /// </summary>
    public string OutputColumnName { get; set; } = "Image";

    /// <summary>
    /// The input column: text (a file path) or a vector of bytes (the file's contents). Set by the catalog
    /// method's <c>inputColumnName</c>; "Path" by default.
    /// </summary>
    public string InputColumnName { get; set; } = "Path";

    /// <summary>Prefix of the header columns (e.g. "Header." gives "Header.Laterality"); "" adds them bare.</summary>
    public string HeaderColumnPrefix { get; set; } = "Header.";

    /// <summary>Add the header columns. True by default.</summary>
    public bool AddHeaderColumns { get; set; } = true;

    /// <summary>The text column holding the read problem of each row ("" when the row was read).</summary>
    public string ErrorColumnName { get; set; } = "ReadError";

    /// <summary>What to do with unreadable files; <see cref="BadFileHandling.Throw"/> by default.</summary>
    public BadFileHandling BadFileHandling { get; set; } = BadFileHandling.Throw;

    /// <summary>Frame of multi-frame files.</summary>
    public int Frame { get; set; }

    /// <summary>How each image becomes model input (size, crop, orientation, window, ...).</summary>
    public PreprocessingOptions Preprocessing { get; set; } = PreprocessingOptions.Default;

    /// <summary>The reader; null uses <see cref="MammogramReader.Default"/> (with whatever decoders are registered there).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public MammogramReader? Reader { get; set; }

    /// <summary>
    /// Options that prepare images the way the model in <paramref name="modelDirectory"/> was trained: its input
    /// size (from its config.json) and the training normalisation; everything else at the defaults. MaMA's image
    /// stages refuse a column of another size, so start from these when loading images for a model.
    /// </summary>
    /// <exception cref="Modeling.MaMA.MaMAModelFormatException">The directory has no readable config.json.</exception>
    public static LoadMammogramsOptions ForModel(string modelDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelDirectory);
        string path = Path.Combine(modelDirectory, Modeling.MaMA.MaMAModelDirectory.ConfigFile);
        if (!File.Exists(path)) throw new Modeling.MaMA.MaMAModelFormatException(path, "missing: not a MaMA model directory.");
        var config = Modeling.MaMA.MaMAConfig.FromJson(File.ReadAllText(path), path);
        return new LoadMammogramsOptions { Preprocessing = PreprocessingOptions.Default with { ImageSize = config.ImageSize } };
    }

    internal LoadMammogramsOptions Clone() => (LoadMammogramsOptions)MemberwiseClone();
}
