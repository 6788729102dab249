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
            // Text from the records is neutralised against CSV injection (CsvCell.Text); the codes and numbers we format are not.
            string[] cells =
            [
                CsvCell.Text(RelativeIfInside(r.ImagePath, baseFolder)), CsvCell.Text(r.PatientId), CsvCell.Text(r.StudyId),
                r.Laterality is { } l ? ManifestValues.Format(l) : "", CsvCell.Text(r.View), CsvCell.Text(r.ImageType), CsvCell.Text(r.Procedure),
                r.Reason is { } reason ? ManifestValues.Format(reason) : "",
                r.Age?.ToString(CultureInfo.InvariantCulture) ?? "", CsvCell.Text(r.Race), CsvCell.Text(r.Ethnicity),
                r.Density?.ToString(CultureInfo.InvariantCulture) ?? "", r.BiRads?.ToString(CultureInfo.InvariantCulture) ?? "",
                CsvCell.Text(r.MassShape), CsvCell.Text(r.MassMargin), CsvCell.Text(r.MassDensity), CsvCell.Text(r.CalcificationType),
                CsvCell.Text(r.CalcificationDistribution),
                r.Cancer is { } cancer ? (cancer ? "1" : "0") : "",
                r.Split is { } split ? ManifestValues.Format(split) : "",
            ];
            writer.Write(CsvCell.Row(cells));
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
