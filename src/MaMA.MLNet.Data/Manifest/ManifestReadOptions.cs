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

    /// <summary>
    /// False (default): a relative image path that leads out of the manifest's folder (<c>../x.dcm</c>, or
    /// <c>a/../../x.dcm</c>) is a bad row, so a manifest from elsewhere cannot steer reads to files beside or above it.
    /// True: such paths are read. Absolute paths are always allowed (the manifest's author wrote them out, and
    /// <see cref="MammogramManifestWriter"/> writes paths outside the folder that way). The check is on the path's
    /// text after resolving <c>.</c> and <c>..</c>; symbolic links inside the folder are followed, wherever they lead
    /// (a data folder that links to a storage mount stays usable; making such a link needs write access to the folder).
    /// </summary>
    public bool AllowPathsOutsideManifestFolder { get; init; }
}

/// <summary>What a manifest read produced: the good records and the rows it skipped.</summary>
/// <param name="Records">Records in file order.</param>
/// <param name="Problems">Skipped rows (empty unless <see cref="ManifestReadOptions.ThrowOnBadRow"/> is false).</param>
public sealed record ManifestReadResult(IReadOnlyList<MammogramRecord> Records, IReadOnlyList<ManifestProblem> Problems);
