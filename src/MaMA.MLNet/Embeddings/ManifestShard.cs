using System.Globalization;
using System.IO.Hashing;
using System.Text;
using MaMA.MLNet.Data.Manifest;

namespace MaMA.MLNet.Embeddings;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/>: the manifest rows whose study id hashes (XxHash64 of its UTF-8
/// bytes, seed 0) to <see cref="Index"/> modulo <see cref="Count"/>. The hash is fixed by its specification, not by
/// the process or the .NET version (unlike <c>string.GetHashCode</c>), so every process of an array job agrees, and
/// all views of one study fall in one shard.
/// </summary>
public readonly record struct ManifestShard
{
    /// <summary>Environment variable a Kubernetes Indexed Job sets to the pod's index (0-based).</summary>
    public const string KubernetesIndexVariable = "JOB_COMPLETION_INDEX";
    /// <summary>Environment variable a Slurm array job sets to the task's id.</summary>
    public const string SlurmTaskIdVariable = "SLURM_ARRAY_TASK_ID";
    /// <summary>Environment variable Slurm sets to the array's lowest task id (subtracted, so <c>--array=1-N</c> works too).</summary>
    public const string SlurmTaskMinVariable = "SLURM_ARRAY_TASK_MIN";

    /// <summary>Creates shard <paramref name="index"/> of <paramref name="count"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Count below 1, or index outside [0, count).</exception>
    public ManifestShard(int index, int count)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "the shard count must be at least 1");
        if (index < 0 || index >= count) throw new ArgumentOutOfRangeException(nameof(index), index, $"the shard index must be in [0, {count})");
        Index = index;
        Count = count;
    }

    /// <summary>The whole manifest as one shard.</summary>
    public static ManifestShard All { get; } = new(0, 1);

    /// <summary>0-based shard index.</summary>
    public int Index { get; }

    /// <summary>Number of shards.</summary>
    public int Count { get; }

    /// <summary>The shard <paramref name="studyId"/> belongs to, in [0, <paramref name="count"/>).</summary>
    public static int Of(string studyId, int count)
    {
        ArgumentNullException.ThrowIfNull(studyId);
        ulong hash = XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(studyId));
        return (int)(hash % (ulong)count);
    }

    /// <summary>Whether <paramref name="record"/> belongs to this shard.</summary>
    public bool Contains(MammogramRecord record) => Count == 1 || Of(record.StudyId, Count) == Index;

    /// <summary>This shard's records, in manifest order.</summary>
    public IReadOnlyList<MammogramRecord> Select(IEnumerable<MammogramRecord> records)
    {
        var shard = this;
        return records.Where(shard.Contains).ToList();
    }

    /// <summary>
    /// Parses <c>K/N</c>, or takes N from <paramref name="countText"/> and K from the scheduler's environment
    /// (<see cref="KubernetesIndexVariable"/>, else <see cref="SlurmTaskIdVariable"/> minus <see cref="SlurmTaskMinVariable"/>).
    /// Both null: <see cref="All"/>.
    /// </summary>
    /// <param name="shardText"><c>K/N</c> or <c>K</c> (then N comes from <paramref name="countText"/>), or null.</param>
    /// <param name="countText">N, or null.</param>
    /// <param name="environment">Reads an environment variable (tests pass their own).</param>
    /// <exception cref="FormatException">The text is malformed, K is outside [0, N), or no index is given and none is in the environment.</exception>
    public static ManifestShard Parse(string? shardText, string? countText, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (shardText is null && countText is null) return All;
        int? count = countText is null ? null : Number(countText, "--shard-count");
        int index;
        if (shardText is not null)
        {
            int slash = shardText.IndexOf('/', StringComparison.Ordinal);
            index = Number(slash < 0 ? shardText : shardText[..slash], "the shard index");
            if (slash >= 0)
            {
                int fromText = Number(shardText[(slash + 1)..], "the shard count");
                if (count is not null && count != fromText)
                    throw new FormatException($"--shard {shardText} and --shard-count {count} disagree.");
                count = fromText;
            }
            if (count is null) throw new FormatException($"--shard {shardText} needs the number of shards: write K/N or add --shard-count N.");
        }
        else if (environment(KubernetesIndexVariable) is { Length: > 0 } k8s)
            index = Number(k8s, KubernetesIndexVariable);
        else if (environment(SlurmTaskIdVariable) is { Length: > 0 } slurm)
            index = Number(slurm, SlurmTaskIdVariable) - (environment(SlurmTaskMinVariable) is { Length: > 0 } min ? Number(min, SlurmTaskMinVariable) : 0);
        else
            throw new FormatException($"--shard-count {countText} without --shard needs the shard index from {KubernetesIndexVariable} (Kubernetes Indexed Job) or {SlurmTaskIdVariable} (Slurm array); neither is set.");
        if (count < 1) throw new FormatException($"the shard count must be at least 1, got {count}.");
        if (index < 0 || index >= count) throw new FormatException($"shard index {index} is outside [0, {count}) (with N shards the indices are 0..N-1).");
        return new ManifestShard(index, count!.Value);
    }

    private static int Number(string text, string what) =>
        int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new FormatException($"{what} must be a whole number, got '{text}'.");

    /// <summary><c>K/N</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}
