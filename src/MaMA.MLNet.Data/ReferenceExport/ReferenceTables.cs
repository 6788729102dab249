using System.Globalization;
using System.Text;
using MaMA.MLNet.Data.Manifest;

namespace MaMA.MLNet.Data.ReferenceExport;

/// <summary>One exported image: its record, its path under the reference's trees (no extension) and its split.</summary>
/// <param name="Record">The manifest record (procedure and image type as written).</param>
/// <param name="Relative">"patient/study/name", safe for the reference's path functions.</param>
/// <param name="Split">The metadata table it goes to.</param>
public sealed record ReferenceImage(MammogramRecord Record, string Relative, DatasetSplit Split);

/// <summary>
/// Writes the EMBED tables and maps the reference reads (XYPB/MaMA <c>dataset/pretrain_dataset.py</c>,
/// <c>preprocess_embed.py</c>; names in <see cref="ReferenceLayout"/>, columns in <see cref="EmbedColumns"/>).
/// </summary>
/// <remarks>
/// <para>Metadata tables (one per split, and all rows together): the image columns the dataset reads.</para>
/// <para>Clinical tables: EMBED keeps findings per exam and side, so each distinct set of an exam side's values is
/// one row (the reference chooses among an exam side's rows by BI-RADS, as it does for EMBED; rows with a BI-RADS come
/// first within a study, so its position-based choice takes the row it means). The reduced and the full
/// table hold the same rows in the same order (the reference indexes both with one position). Numbers are written with
/// a decimal point ("3.0"): pandas then reads the column as floats, as it reads EMBED's, and the reference's
/// <c>check_element_type</c> accepts only str or float (an all-integer column would read as int64 and every value
/// would count as missing).</para>
/// <para>Cells go through <see cref="CsvCell.Text"/>, the project's CSV-injection guard: a value starting with = + - @
/// would get a leading ' that pandas keeps. None of the values written here starts so (paths start with '/', numbers are
/// non-negative, codes are letters) unless a manifest's own text or ids do.</para>
/// <para>Legend: our manifests hold finding words, the reference maps codes to words through the legend, so each
/// distinct word of a finding column gets a code (a column prefix and a number in sorted order).</para>
/// </remarks>
public static class ReferenceTables
{
    /// <summary>The metadata columns written, in order.</summary>
    public static IReadOnlyList<string> MetadataColumns { get; } =
    [
        EmbedColumns.PatientId, EmbedColumns.StudyId, EmbedColumns.ImagePath, EmbedColumns.ImageLaterality,
        EmbedColumns.ViewPosition, EmbedColumns.ImageType, EmbedColumns.Procedure,
    ];

    /// <summary>The reduced clinical columns written, in order.</summary>
    public static IReadOnlyList<string> ClinicalReducedColumns { get; } =
    [
        EmbedColumns.PatientId, EmbedColumns.StudyId, EmbedColumns.FindingSide, EmbedColumns.Assessment,
        EmbedColumns.TissueDensity, EmbedColumns.Age, EmbedColumns.Race, EmbedColumns.Ethnicity,
    ];

    /// <summary>The full clinical columns written, in order.</summary>
    public static IReadOnlyList<string> ClinicalColumns { get; } =
    [
        .. ClinicalReducedColumns, EmbedColumns.MassShape, EmbedColumns.MassDensity, EmbedColumns.CalcificationType,
        EmbedColumns.CalcificationDistribution,
    ];

    private static readonly (string Column, string Prefix, Func<MammogramRecord, string?> Words)[] Findings =
    [
        (EmbedColumns.MassShape, "MS", r => r.MassShape),
        (EmbedColumns.MassDensity, "MD", r => r.MassDensity),
        (EmbedColumns.CalcificationType, "CT", r => r.CalcificationType),
        (EmbedColumns.CalcificationDistribution, "CD", r => r.CalcificationDistribution),
    ];

    /// <summary>Writes every table and map for <paramref name="images"/> into <paramref name="tablesFolder"/>.</summary>
    public static void Write(string tablesFolder, IReadOnlyList<ReferenceImage> images, string dataRoot)
    {
        ArgumentNullException.ThrowIfNull(images);
        Directory.CreateDirectory(tablesFolder);
        foreach (DatasetSplit split in Enum.GetValues<DatasetSplit>())
            WriteCsv(Path.Combine(tablesFolder, ReferenceLayout.MetadataTable(split)), MetadataColumns,
                     images.Where(i => i.Split == split).Select(MetadataRow), indexColumn: false);
        WriteCsv(Path.Combine(tablesFolder, ReferenceLayout.AllMetadata), MetadataColumns, images.Select(MetadataRow), indexColumn: true);

        var codes = Codes(images);
        var clinical = ClinicalRows(images, codes);
        WriteCsv(Path.Combine(tablesFolder, ReferenceLayout.ClinicalReduced), ClinicalReducedColumns,
                 clinical.Select(r => r[..ClinicalReducedColumns.Count]), indexColumn: false);
        WriteCsv(Path.Combine(tablesFolder, ReferenceLayout.Clinical), ClinicalColumns, clinical, indexColumn: false);
        WriteCsv(Path.Combine(tablesFolder, ReferenceLayout.Legend), [EmbedColumns.LegendHeader, EmbedColumns.LegendCode, EmbedColumns.LegendMeaning],
                 codes.OrderBy(c => c.Key.Column, StringComparer.Ordinal).ThenBy(c => c.Value, StringComparer.Ordinal)
                      .Select(c => new string?[] { c.Key.Column, c.Value, c.Key.Words }), indexColumn: false);

        // preprocess_embed.py: inter_side = the other images of the study, inter_view = those of the same side too (an
        // unknown side matches nothing: pandas' NaN equals nothing).
        var byStudy = images.GroupBy(i => i.Record.StudyId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        string Key(ReferenceImage i) => ReferenceLayout.TrainingPath(dataRoot, i.Relative);
        WritePickle(Path.Combine(tablesFolder, ReferenceLayout.InterSideMap), images.Select(i =>
            new KeyValuePair<string, IReadOnlyList<string>>(Key(i), byStudy[i.Record.StudyId].Where(o => !ReferenceEquals(o, i)).Select(Key).ToList())));
        WritePickle(Path.Combine(tablesFolder, ReferenceLayout.InterViewMap), images.Select(i =>
            new KeyValuePair<string, IReadOnlyList<string>>(Key(i), byStudy[i.Record.StudyId]
                .Where(o => !ReferenceEquals(o, i) && i.Record.Laterality is not null && o.Record.Laterality == i.Record.Laterality).Select(Key).ToList())));
    }

    private static string?[] MetadataRow(ReferenceImage image)
    {
        var r = image.Record;
        return [r.PatientId, r.StudyId, ReferenceLayout.DicomPathCell(image.Relative), Side(r.Laterality), r.View, r.ImageType, r.Procedure];
    }

    private static string? Side(Laterality? laterality) => laterality is { } l ? ManifestValues.Format(l) : null;

    private static Dictionary<(string Column, string Words), string> Codes(IReadOnlyList<ReferenceImage> images)
    {
        var codes = new Dictionary<(string, string), string>();
        foreach (var (column, prefix, words) in Findings)
        {
            var distinct = images.Select(i => words(i.Record)).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            for (int i = 0; i < distinct.Count; i++) codes[(column, distinct[i])] = prefix + (i + 1).ToString(CultureInfo.InvariantCulture);
        }
        return codes;
    }

    private static List<string?[]> ClinicalRows(IReadOnlyList<ReferenceImage> images, Dictionary<(string Column, string Words), string> codes)
    {
        var rows = new List<string?[]>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var image in images)
        {
            var r = image.Record;
            string?[] row =
            [
                r.PatientId, r.StudyId, Side(r.Laterality),
                r.BiRads is { } b ? ManifestValues.BiRadsLetters[b].ToString() : null,
                Float(r.Density), Float(r.Age), r.Race, r.Ethnicity,
                .. Findings.Select(f => f.Words(r) is { } w ? codes[(f.Column, w)] : null),
            ];
            // One row per exam side and distinct values (the key joins the cells with control characters).
            if (seen.Add(string.Join('\u001f', row.Skip(1).Select(c => c ?? "\u001e")))) rows.Add(row);
        }
        // Within a study, rows with a valid BI-RADS come first. The reference picks the highest BI-RADS by its position
        // in the list of valid letters and then takes the row at that position among all the side's rows
        // (_create_captions_: all_birads skips invalid letters, then anno_row.iloc[idx]); with the valid rows first
        // both positions are the same, so it takes the row it means to (seen with its code: a side whose first row had
        // no BI-RADS lost the assessment of the other row, and its images were dropped).
        var studyOrder = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in rows) studyOrder.TryAdd(row[1]!, studyOrder.Count);
        return rows.Select((row, index) => (row, index))
            .OrderBy(x => studyOrder[x.row[1]!]).ThenBy(x => x.row[3] is null ? 1 : 0).ThenBy(x => x.index)
            .Select(x => x.row).ToList();
    }

    private static string? Float(int? value) => value is { } v ? v.ToString(CultureInfo.InvariantCulture) + ".0" : null;

    private static void WriteCsv(string path, IReadOnlyList<string> header, IEnumerable<string?[]> rows, bool indexColumn)
    {
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        // pandas' to_csv with an index writes an unnamed first column, which preprocess_embed.py drops as "Unnamed: 0".
        if (indexColumn) writer.Write(',');
        writer.Write(string.Join(',', header.Select(CsvCell.Text)));
        writer.Write('\n');
        int index = 0;
        foreach (var row in rows)
        {
            if (indexColumn) writer.Write(index++.ToString(CultureInfo.InvariantCulture) + ",");
            writer.Write(string.Join(',', row.Select(CsvCell.Text)));
            writer.Write('\n');
        }
    }

    private static void WritePickle(string path, IEnumerable<KeyValuePair<string, IReadOnlyList<string>>> map)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        PythonPickleWriter.Write(stream, map);
    }
}
