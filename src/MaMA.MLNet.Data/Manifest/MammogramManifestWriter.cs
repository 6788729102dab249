using System.Globalization;
using System.Text;

namespace MaMA.MLNet.Data.Manifest;

/// <summary>Writes the MaMA.MLNet CSV manifest (every column of <see cref="ManifestColumns.All"/>, LF line ends).</summary>
public static class MammogramManifestWriter
{
    /// <summary>
    /// Writes <paramref name="records"/> to <paramref name="path"/>. Image paths inside the manifest's folder
    /// are written relative to it with '/' separators, so the folder can be moved as a whole.
    /// </summary>
    public static void Write(string path, IEnumerable<MammogramRecord> records)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        Directory.CreateDirectory(folder);
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        Write(writer, records, folder);
    }

    /// <summary>Writes to <paramref name="writer"/>; paths under <paramref name="baseFolder"/> (when given) become relative.</summary>
    public static void Write(TextWriter writer, IEnumerable<MammogramRecord> records, string? baseFolder = null)
    {
        writer.Write(string.Join(',', ManifestColumns.All));
        writer.Write('\n');
        foreach (MammogramRecord r in records)
        {
            string?[] cells =
            [
                RelativeIfInside(r.ImagePath, baseFolder), r.PatientId, r.StudyId,
                r.Laterality is { } l ? ManifestValues.Format(l) : null, r.View, r.ImageType, r.Procedure,
                r.Reason is { } reason ? ManifestValues.Format(reason) : null,
                r.Age?.ToString(CultureInfo.InvariantCulture), r.Race, r.Ethnicity,
                r.Density?.ToString(CultureInfo.InvariantCulture), r.BiRads?.ToString(CultureInfo.InvariantCulture),
                r.MassShape, r.MassMargin, r.MassDensity, r.CalcificationType, r.CalcificationDistribution,
                r.Cancer is { } cancer ? (cancer ? "1" : "0") : null,
                r.Split is { } split ? ManifestValues.Format(split) : null,
            ];
            writer.Write(string.Join(',', cells.Select(CsvRowReader.Escape)));
            writer.Write('\n');
        }
    }

    private static string RelativeIfInside(string imagePath, string? baseFolder)
    {
        if (baseFolder is null || !Path.IsPathRooted(imagePath)) return imagePath.Replace('\\', '/');
        string relative = Path.GetRelativePath(baseFolder, imagePath);
        bool inside = !relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative);
        return inside ? relative.Replace('\\', '/') : imagePath;
    }
}
