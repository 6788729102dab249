namespace MaMA.MLNet.Data.Manifest;

/// <summary>
/// Anything that lists mammograms with their metadata: a CSV manifest (<see cref="CsvManifestSource"/>),
/// the EMBED open-data tables (<see cref="EmbedManifestSource"/>), the RSNA screening table (<see cref="RsnaManifestSource"/>), or a folder of DICOM files
/// (<see cref="DicomFolderManifestSource"/>: a <see cref="MammogramRecord"/> per file from its header).
/// </summary>
public interface IMammogramManifestSource
{
    /// <summary>A short description for logs and errors, e.g. the file it reads.</summary>
    string Description { get; }

    /// <summary>Reads the records. Image paths in the result are absolute or relative to the working folder.</summary>
    ManifestReadResult Load();
}

/// <summary>A MaMA.MLNet CSV manifest file as a source.</summary>
/// <param name="Path">The manifest file.</param>
/// <param name="Options">Read options; null for the defaults.</param>
public sealed record CsvManifestSource(string Path, ManifestReadOptions? Options = null) : IMammogramManifestSource
{
    /// <inheritdoc />
    public string Description => Path;

    /// <inheritdoc />
    public ManifestReadResult Load() => MammogramManifestReader.Read(Path, Options);
}
