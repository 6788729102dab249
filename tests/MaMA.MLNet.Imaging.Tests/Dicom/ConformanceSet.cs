using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using MaMA.MLNet.Imaging.Dicom;

namespace MaMA.MLNet.Imaging.Tests.Dicom;

/// <summary>One entry of shared/dicom-conformance/manifest.json.</summary>
public sealed record ConformanceEntry
{
    [JsonPropertyName("file")] public string File { get; init; } = "";
    [JsonPropertyName("transferSyntax")] public string? TransferSyntax { get; init; }
    [JsonPropertyName("rows")] public int Rows { get; init; }
    [JsonPropertyName("columns")] public int Columns { get; init; }
    [JsonPropertyName("frames")] public int Frames { get; init; }
    [JsonPropertyName("samplesPerPixel")] public int SamplesPerPixel { get; init; }
    [JsonPropertyName("bitsAllocated")] public int BitsAllocated { get; init; }
    [JsonPropertyName("bitsStored")] public int BitsStored { get; init; }
    [JsonPropertyName("pixelRepresentation")] public int PixelRepresentation { get; init; }
    [JsonPropertyName("photometric")] public string? Photometric { get; init; }
    [JsonPropertyName("sha256")] public string Sha256 { get; init; } = "";
    [JsonPropertyName("min")] public int Min { get; init; }
    [JsonPropertyName("max")] public int Max { get; init; }
    [JsonPropertyName("lossy")] public bool Lossy { get; init; }
    [JsonPropertyName("referencePixels")] public string? ReferencePixels { get; init; }
    [JsonPropertyName("tolerance")] public ConformanceTolerance? Tolerance { get; init; }

    public override string ToString() => File;
}

/// <summary>Allowed difference of a lossy file from its reference values.</summary>
public sealed record ConformanceTolerance
{
    [JsonPropertyName("maxAbs")] public int MaxAbs { get; init; }
    [JsonPropertyName("meanAbs")] public double MeanAbs { get; init; }
}

/// <summary>
/// Finds the shared DICOM conformance set beside the repository (X/main with X/shared, or a CI clone with a copy of
/// shared/ beside it) by walking up from the test binaries; fails loudly when it is not there.
/// </summary>
public static class ConformanceSet
{
    private static readonly Lazy<string> RootPath = new(Locate);
    private static readonly Lazy<IReadOnlyList<ConformanceEntry>> LazyEntries = new(() =>
        JsonSerializer.Deserialize<List<ConformanceEntry>>(File.ReadAllText(Path.Combine(Root, "manifest.json")))
        ?? throw new InvalidDataException("manifest.json is empty"));

    public static string Root => RootPath.Value;

    public static IReadOnlyList<ConformanceEntry> Entries => LazyEntries.Value;

    public static string FilePath(ConformanceEntry entry) => Path.Combine(Root, "files", entry.File);

    public static IEnumerable<string> EdgeFiles => Directory.GetFiles(Path.Combine(Root, "edge")).Order(StringComparer.Ordinal);

    public static ConformanceEntry Entry(string file) => Entries.Single(e => e.File == file);

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "dicom-conformance"), Path.Combine(dir.FullName, "..", "shared", "dicom-conformance") })
            {
                if (File.Exists(Path.Combine(candidate, "manifest.json"))) return Path.GetFullPath(candidate);
            }
        }
        throw new DirectoryNotFoundException(
            $"shared/dicom-conformance not found in or beside any folder above {AppContext.BaseDirectory}; it must sit beside the repository checkout (../shared from the repository root)");
    }

    /// <summary>All frames' stored values in the canonical form's order.</summary>
    public static int[] DecodeAllFrames(DicomFile file)
    {
        var description = DicomPixelDescription.FromDataset(file.Dataset);
        var all = new int[(long)description.ValuesPerFrame * description.Frames];
        var frame = new int[description.ValuesPerFrame];
        for (int f = 0; f < description.Frames; f++)
        {
            DicomPixelDecoder.DecodeFrame(file, description, f, frame);
            frame.CopyTo(all, (long)f * frame.Length);
        }
        return all;
    }

    /// <summary>SHA-256 (lower-case hex) of the values as signed 32-bit little endian integers.</summary>
    public static string Sha256(int[] values)
    {
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("canonical form is little endian");
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    /// <summary>The gzip'd canonical reference values of a lossy entry.</summary>
    public static int[] ReferenceValues(ConformanceEntry entry)
    {
        using var file = File.OpenRead(Path.Combine(Root, entry.ReferencePixels ?? throw new InvalidOperationException($"{entry.File} has no reference")));
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var copy = new MemoryStream();
        gzip.CopyTo(copy);
        return MemoryMarshal.Cast<byte, int>(copy.ToArray()).ToArray();
    }
}
