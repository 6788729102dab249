using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Tokenization;
using MaMA.MLNet.Modeling.Weights;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>Reads a manifest for a command, turning its errors into one message.</summary>
internal static class ManifestLoading
{
    /// <summary>
    /// The records of <paramref name="path"/> in <paramref name="split"/> (all when null), or an error message. Relative
    /// image paths that lead out of the manifest's folder are an error unless <paramref name="allowOutsidePaths"/>.
    /// </summary>
    public static (IReadOnlyList<MammogramRecord>? Records, string? Error) Load(string path, DatasetSplit? split, bool allowOutsidePaths = false)
    {
        if (!File.Exists(path)) return (null, $"{path}: the manifest does not exist.");
        try
        {
            var all = MammogramManifestReader.Read(path, new ManifestReadOptions { AllowPathsOutsideManifestFolder = allowOutsidePaths }).Records;
            var chosen = split is null ? all : all.Where(r => r.Split == split).ToList();
            if (chosen.Count == 0) return (null, $"{path}: no image records{(split is null ? "" : $" in split {split}")}.");
            return (chosen, null);
        }
        catch (ManifestFormatException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>Parses a split name (train, validation, test) or returns null.</summary>
    public static DatasetSplit? ParseSplit(string? text) => (text ?? "").Trim().ToLowerInvariant() switch
    {
        "train" => DatasetSplit.Train,
        "validation" or "val" or "valid" => DatasetSplit.Validation,
        "test" => DatasetSplit.Test,
        _ => null,
    };

    /// <summary>
    /// The records of the manifest at <paramref name="path"/> in the split named by <paramref name="splitText"/>
    /// (all rows when null). On failure writes the message to stderr and returns the exit code to return:
    /// <see cref="ExitCodes.Usage"/> for an unknown split name, <see cref="ExitCodes.BadInput"/> for a bad manifest.
    /// </summary>
    public static int? TryLoad(string? splitText, string path, out IReadOnlyList<MammogramRecord> records, bool allowOutsidePaths = false)
    {
        records = [];
        var split = ParseSplit(splitText);
        if (splitText is not null && split is null)
            return ExitCodes.Fail($"--split must be train, validation or test, got '{splitText}'.", ExitCodes.Usage);
        var (loaded, error) = Load(path, split, allowOutsidePaths);
        if (loaded is null) return ExitCodes.Fail(error!, ExitCodes.BadInput);
        records = loaded;
        return null;
    }

    /// <summary>
    /// Loads a MaMA model directory; on failure writes the message to stderr and returns <see cref="ExitCodes.BadInput"/>.
    /// </summary>
    public static int? TryLoadModel(string directory, out LoadedMaMAModel? model)
    {
        model = null;
        try
        {
            model = MaMAModelDirectory.Load(directory);
            return null;
        }
        catch (Exception e) when (e is MaMAModelFormatException or TokenizerFileException or WeightLoadException or IOException)
        {
            return ExitCodes.Fail(e.Message, ExitCodes.BadInput);
        }
    }
}
