namespace MaMA.MLNet.Data.Manifest;

/// <summary>How a manifest reader treats paths and bad rows.</summary>
public sealed record ManifestReadOptions
{
    /// <summary>
    /// True (default): a bad row throws <see cref="ManifestFormatException"/>. False: the row is skipped and
    /// reported in <see cref="ManifestReadResult.Problems"/>. Errors in the header always throw.
    /// </summary>
    public bool ThrowOnBadRow { get; init; } = true;

    /// <summary>True (default): relative image paths become absolute, resolved against the manifest's folder.</summary>
    public bool ResolveImagePaths { get; init; } = true;
}

/// <summary>What a manifest read produced: the good records and the rows it skipped.</summary>
/// <param name="Records">Records in file order.</param>
/// <param name="Problems">Skipped rows (empty unless <see cref="ManifestReadOptions.ThrowOnBadRow"/> is false).</param>
public sealed record ManifestReadResult(IReadOnlyList<MammogramRecord> Records, IReadOnlyList<ManifestProblem> Problems);
