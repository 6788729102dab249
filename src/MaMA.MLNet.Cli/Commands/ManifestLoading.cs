using MaMA.MLNet.Data.Manifest;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>Reads a manifest for a command, turning its errors into one message.</summary>
internal static class ManifestLoading
{
    /// <summary>The records of <paramref name="path"/> in <paramref name="split"/> (all when null), or an error message.</summary>
    public static (IReadOnlyList<MammogramRecord>? Records, string? Error) Load(string path, DatasetSplit? split)
    {
        if (!File.Exists(path)) return (null, $"{path}: the manifest does not exist.");
        try
        {
            var all = MammogramManifestReader.Read(path).Records;
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
}
