using System.Globalization;
using System.Text.Json;

namespace MaMA.MLNet.Training;

/// <summary>
/// A folder of checkpoints named <c>step-00001234.ckpt</c>, each with a JSON sidecar <c>step-00001234.json</c>
/// (config and metrics, for people and tools). Keeps the last K checkpoints plus the best one, which
/// <c>best.json</c> names.
/// </summary>
public sealed class CheckpointStore
{
    private const string Prefix = "step-";
    private const string Extension = ".ckpt";
    private const string BestPointer = "best.json";

    /// <summary>Uses <paramref name="folder"/> (created when missing) and keeps the last <paramref name="keepLast"/> checkpoints.</summary>
    public CheckpointStore(string folder, int keepLast)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (keepLast < 1) throw new ArgumentOutOfRangeException(nameof(keepLast), keepLast, "Keep at least the last checkpoint.");
        Folder = Path.GetFullPath(folder);
        KeepLast = keepLast;
    }

    /// <summary>The checkpoint folder.</summary>
    public string Folder { get; }

    /// <summary>How many of the newest checkpoints are kept.</summary>
    public int KeepLast { get; }

    /// <summary>The checkpoint file of <paramref name="step"/>.</summary>
    public string PathOf(long step) => Path.Combine(Folder, $"{Prefix}{step:D8}{Extension}");

    /// <summary>The sidecar of a checkpoint file.</summary>
    public static string SidecarOf(string checkpointPath) => Path.ChangeExtension(checkpointPath, ".json");

    /// <summary>
    /// Writes the checkpoint of <paramref name="step"/> atomically, then its sidecar, then removes checkpoints beyond
    /// the last K (never the best). Returns the checkpoint path.
    /// </summary>
    public string Save(long step, Action<Stream> writeCheckpoint, string sidecarJson)
    {
        RemoveTemporaryFiles();
        string path = PathOf(step);
        AtomicFile.Write(path, writeCheckpoint);
        AtomicFile.WriteText(SidecarOf(path), sidecarJson);
        Prune();
        return path;
    }

    /// <summary>Records that the checkpoint of <paramref name="step"/> is the best (it is then never pruned).</summary>
    public void MarkBest(long step, string metric, double value)
    {
        string json = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["file"] = Path.GetFileName(PathOf(step)), ["step"] = step, ["metric"] = metric, ["value"] = value,
        });
        AtomicFile.WriteText(Path.Combine(Folder, BestPointer), json);
    }

    /// <summary>The best checkpoint's path, or null when none is marked or its file is gone.</summary>
    public string? BestPath()
    {
        string pointer = Path.Combine(Folder, BestPointer);
        if (!File.Exists(pointer)) return null;
        using var doc = JsonDocument.Parse(File.ReadAllText(pointer));
        string? file = doc.RootElement.TryGetProperty("file", out var f) ? f.GetString() : null;
        if (file is null || file.Contains('/') || file.Contains('\\')) return null;
        string path = Path.Combine(Folder, file);
        return File.Exists(path) ? path : null;
    }

    /// <summary>The checkpoints in the folder, oldest first.</summary>
    public IReadOnlyList<(long Step, string Path)> List()
    {
        if (!Directory.Exists(Folder)) return [];
        var found = new List<(long, string)>();
        foreach (string path in Directory.EnumerateFiles(Folder, Prefix + "*" + Extension))
        {
            string stem = Path.GetFileNameWithoutExtension(path)[Prefix.Length..];
            if (long.TryParse(stem, NumberStyles.None, CultureInfo.InvariantCulture, out long step)) found.Add((step, path));
        }
        found.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return found;
    }

    /// <summary>The newest checkpoint's path, or null when the folder has none.</summary>
    public string? LatestPath() => List() is { Count: > 0 } all ? all[^1].Path : null;

    /// <summary>
    /// Deletes the temporary files a killed write left (<see cref="AtomicFile"/> writes <c>.NAME.GUID.tmp</c> beside
    /// NAME) for this store's checkpoints, sidecars and best pointer; returns how many. Call only while no other
    /// process writes to the folder.
    /// </summary>
    public int RemoveTemporaryFiles()
    {
        if (!Directory.Exists(Folder)) return 0;
        int removed = 0;
        foreach (string path in Directory.EnumerateFiles(Folder, ".*.tmp"))
        {
            string name = Path.GetFileName(path);
            if (!name.StartsWith("." + Prefix, StringComparison.Ordinal) && !name.StartsWith("." + BestPointer + ".", StringComparison.Ordinal)) continue;
            File.Delete(path);
            removed++;
        }
        return removed;
    }

    private void Prune()
    {
        var all = List();
        string? best = BestPath();
        for (int i = 0; i < all.Count - KeepLast; i++)
        {
            string path = all[i].Path;
            if (best is not null && string.Equals(path, best, StringComparison.Ordinal)) continue;
            File.Delete(path);
            File.Delete(SidecarOf(path));
        }
    }
}
