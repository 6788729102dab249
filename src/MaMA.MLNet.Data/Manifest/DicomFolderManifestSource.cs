using System.Globalization;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Dicom;

namespace MaMA.MLNet.Data.Manifest;

/// <summary>Options for building a manifest from a folder of DICOM files.</summary>
public sealed record DicomFolderReadOptions
{
    /// <summary>Look in sub-folders too (default). Symbolic links to folders are not followed, so a link loop ends.</summary>
    public bool Recursive { get; init; } = true;

    /// <summary>Sub-folder depth bound when <see cref="Recursive"/> (default 16).</summary>
    public int MaxDepth { get; init; } = 16;

    /// <summary>
    /// More files than this (default 1,000,000) throws <see cref="ManifestFormatException"/> before any is read:
    /// a manifest silently cut short would be worse than none.
    /// </summary>
    public int MaxFiles { get; init; } = 1_000_000;

    /// <summary>Files read at once (default: the processor count).</summary>
    public int MaxParallelism { get; init; } = Environment.ProcessorCount;
}

/// <summary>
/// A manifest from the headers of a folder of DICOM files: one <see cref="MammogramRecord"/> per readable file,
/// in path order (ordinal). A file is taken when its name ends in .dcm or .dicom, or when its first bytes look
/// like DICOM (so extension-less PACS exports are found and a folder's CSV or PNG files are not); one that then
/// has an unreadable header, or lacks a patient or study identifier, is reported in <see cref="ManifestReadResult.Problems"/>
/// (line 0) and skipped.
/// </summary>
/// <remarks>
/// <para>Mapping: patient = Patient ID; study = Accession Number (EMBED's <c>acc_anon</c> is one), else Study
/// Instance UID; laterality, view and age as <see cref="MammographyHeaderReader"/> reads them (age truncated to
/// whole years); procedure = Study Description, and from it the reason as <see cref="EmbedManifestSource"/> derives
/// it ("screen" / "diag"); image type "2D" for the digital mammography SOP classes of a single frame. Labels
/// (density, BI-RADS, findings, cancer) are not in image headers and stay unknown: join a label table by path or
/// by identifiers for those.</para>
/// <para>Only headers are read (<see cref="DicomFile.OpenHeader(string)"/>: the first 64 KiB of a file as a rule), in
/// parallel; a file cut inside its pixel data is listed here and reported when its pixels are loaded.</para>
/// </remarks>
/// <param name="Folder">The folder.</param>
/// <param name="Options">Options, or null for the defaults.</param>
public sealed record DicomFolderManifestSource(string Folder, DicomFolderReadOptions? Options = null) : IMammogramManifestSource
{
    private static readonly string[] DicomExtensions = [".dcm", ".dicom"];

    /// <inheritdoc />
    public string Description => $"DICOM folder {Folder}";

    /// <inheritdoc />
    /// <exception cref="ManifestFormatException">The folder does not exist or holds more than <see cref="DicomFolderReadOptions.MaxFiles"/> files.</exception>
    public ManifestReadResult Load()
    {
        var options = Options ?? new DicomFolderReadOptions();
        if (options.MaxFiles < 0 || options.MaxDepth < 0 || options.MaxParallelism < 1)
            throw new ArgumentException("DicomFolderReadOptions: MaxFiles and MaxDepth must be non-negative and MaxParallelism at least 1.", nameof(Options));
        string root = Path.GetFullPath(Folder);
        if (!Directory.Exists(root)) throw new ManifestFormatException(Folder, 0, null, "the folder does not exist");
        var enumeration = new EnumerationOptions
        {
            RecurseSubdirectories = options.Recursive,
            MaxRecursionDepth = options.MaxDepth,
            AttributesToSkip = FileAttributes.ReparsePoint | FileAttributes.Hidden | FileAttributes.System,
            IgnoreInaccessible = true,
        };
        var files = new List<string>();
        foreach (string file in Directory.EnumerateFiles(root, "*", enumeration))
        {
            if (files.Count == options.MaxFiles)
                throw new ManifestFormatException(Folder, 0, null, $"holds more than {options.MaxFiles} files (DicomFolderReadOptions.MaxFiles)");
            files.Add(file);
        }
        files.Sort(StringComparer.Ordinal);

        var results = new (MammogramRecord? Record, ManifestProblem? Problem)[files.Count];
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = options.MaxParallelism }, i => results[i] = ReadOne(files[i]));
        return new ManifestReadResult(
            [.. results.Where(r => r.Record is not null).Select(r => r.Record!)],
            [.. results.Where(r => r.Problem is not null).Select(r => r.Problem!)]);
    }

    /// <summary>The record of one file, a problem, or neither when the file is not DICOM by name or content.</summary>
    private static (MammogramRecord?, ManifestProblem?) ReadOne(string path)
    {
        try
        {
            var info = new FileInfo(path);
            bool named = DicomExtensions.Contains(info.Extension, StringComparer.OrdinalIgnoreCase);
            if (!named && !LooksLikeDicom(path)) return (null, null);
            var file = DicomFile.OpenHeader(path);
            return FromHeader(path, file, MammographyHeaderReader.Read(file));
        }
        catch (Exception e) when (e is MammogramReadException or IOException or UnauthorizedAccessException)
        {
            return (null, new ManifestProblem(path, 0, null, e.Message));
        }
    }

    private static bool LooksLikeDicom(string path)
    {
        using var stream = File.OpenRead(path);
        var head = new byte[MammogramReader.HeadLength];
        int read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return DicomFile.LooksLikeDicom(head.AsSpan(0, read));
    }

    private static (MammogramRecord?, ManifestProblem?) FromHeader(string path, DicomFile file, MammographyHeader header)
    {
        string? patient = NonEmpty(header.PatientId);
        string? study = NonEmpty(file.Dataset.GetString(DicomTags.AccessionNumber)) ?? NonEmpty(header.StudyInstanceUid);
        if (patient is null) return (null, new ManifestProblem(path, 0, null, "no Patient ID (0010,0020)"));
        if (study is null) return (null, new ManifestProblem(path, 0, null, "neither Accession Number (0008,0050) nor Study Instance UID (0020,000D)"));
        string? procedure = NonEmpty(file.Dataset.GetString(DicomTags.StudyDescription));
        string? sopClass = file.Dataset.GetString(DicomTags.SopClassUid) ?? file.FileMeta.GetString(DicomTags.MediaStorageSopClassUid);
        bool mammography2D = header.NumberOfFrames == 1 && sopClass is "1.2.840.10008.5.1.4.1.1.1.2" or "1.2.840.10008.5.1.4.1.1.1.2.1";
        string? lowered = procedure?.ToLower(CultureInfo.InvariantCulture);
        return (new MammogramRecord
        {
            ImagePath = path,
            PatientId = patient,
            StudyId = study,
            Laterality = header.Laterality switch
            {
                Imaging.Laterality.Left => Laterality.Left,
                Imaging.Laterality.Right => Laterality.Right,
                Imaging.Laterality.Both => Laterality.Bilateral,
                _ => null,
            },
            View = header.View,
            ImageType = mammography2D ? "2D" : null,
            Procedure = procedure,
            Reason = lowered is null ? null : lowered.Contains("screen", StringComparison.Ordinal) ? ExamReason.Screening
                : lowered.Contains("diag", StringComparison.Ordinal) ? ExamReason.Diagnostic : null,
            Age = header.PatientAgeYears is { } age ? (int)Math.Floor(age) : null,
        }, null);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
