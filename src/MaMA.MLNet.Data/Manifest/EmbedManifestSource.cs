namespace MaMA.MLNet.Data.Manifest;

/// <summary>Options for reading the EMBED open-data tables.</summary>
public sealed record EmbedReadOptions
{
    /// <summary>Keep only images of this <c>FinalImageType</c> ("2D", as the reference does); null keeps all.</summary>
    public string? ImageType { get; init; } = "2D";

    /// <summary>A prefix of <c>anon_dicom_path</c> to replace (the reference replaces "/mnt/NAS2/mammo/anon_dicom").</summary>
    public string? PathPrefixFrom { get; init; }

    /// <summary>What replaces <see cref="PathPrefixFrom"/>: the local image folder.</summary>
    public string? PathPrefixTo { get; init; }

    /// <summary>The split to stamp on every record (EMBED tables come pre-split per file), or null.</summary>
    public DatasetSplit? Split { get; init; }

    /// <summary>True (default): a structurally bad row throws; false: it is skipped and reported.</summary>
    public bool ThrowOnBadRow { get; init; } = true;
}

/// <summary>
/// Builds <see cref="MammogramRecord"/>s from the EMBED open-data tables the way the MaMA reference code does:
/// one record per metadata row (image), joined by <c>acc_anon</c> with the clinical rows of its exam.
/// </summary>
/// <remarks>
/// <para>Mapping (reference behaviour, XYPB/MaMA <c>dataset/pretrain_dataset.py</c>):</para>
/// <list type="bullet">
/// <item>From the metadata row: image path (<c>anon_dicom_path</c>, prefix replaced), patient
/// (<c>empi_anon</c>), study (<c>acc_anon</c>), laterality (<c>ImageLateralityFinal</c>), view
/// (<c>ViewPosition</c>), image type (<c>FinalImageType</c>), procedure (<c>StudyDescription</c>);
/// the reason is "screening" if the procedure contains "screen", else "diagnostic" if it contains "diag".</item>
/// <item>Clinical row choice: the exam's rows whose <c>side</c> equals the image laterality; if none, its
/// "B" (bilateral) rows; if none, all its rows. Among them the highest BI-RADS, except that when every BI-RADS
/// is at most 2 and one is 0, the 0 ("if all screening image, prefer 0 case"). The reference indexes the
/// chosen row in a list that skips invalid letters; this reader picks the actual first row with the chosen
/// value, which is what that code means.</item>
/// <item>From the chosen clinical row: BI-RADS (<c>asses</c> letter), density (<c>tissueden</c> 1-4; 5,
/// "normal male dense", is read as unknown here), age (<c>age_at_study</c>, truncated), race
/// (<c>RACE_DESC</c>), ethnicity (<c>ETHNIC_GROUP_DESC</c>: any known value other than "Hispanic or Latino"
/// becomes "Non-Hispanic or Latino", as the reference does; the reference also turns a missing value into
/// "Non-Hispanic or Latino", this reader keeps it unknown), and the mass and calcification codes translated
/// to words with the legend table (<c>AWS_Open_Data_Clinical_Legend.csv</c>: "Header in export", "Code",
/// "Meaning"). Without a legend, finding words stay unknown (the reference also drops codes its legend
/// lacks).</item>
/// <item>Cancer (not in the reference, which has no cancer label for EMBED): true when any clinical row of
/// the exam for this side (or "B") has <c>path_severity</c> 0 or 1 (invasive or non-invasive cancer), false
/// when such rows carry only other severities, unknown when none has one.</item>
/// </list>
/// </remarks>
/// <param name="MetadataCsv">EMBED_OpenData_metadata(_reduced)(_split).csv.</param>
/// <param name="ClinicalCsv">EMBED_OpenData_clinical.csv (the full table; it holds every column used).</param>
/// <param name="LegendCsv">AWS_Open_Data_Clinical_Legend.csv, or null.</param>
/// <param name="Options">Options, or null for the defaults.</param>
public sealed record EmbedManifestSource(string MetadataCsv, string ClinicalCsv, string? LegendCsv = null, EmbedReadOptions? Options = null)
    : IMammogramManifestSource
{
    /// <inheritdoc />
    public string Description => $"EMBED tables {MetadataCsv} + {ClinicalCsv}";

    /// <inheritdoc />
    public ManifestReadResult Load() =>
        Build(CsvTable.Read(MetadataCsv), CsvTable.Read(ClinicalCsv), LegendCsv is null ? null : CsvTable.Read(LegendCsv), Options);

    /// <summary>Builds records from tables already read (also used by tests).</summary>
    public static ManifestReadResult Build(CsvTable metadata, CsvTable clinical, CsvTable? legend, EmbedReadOptions? options = null)
    {
        options ??= new EmbedReadOptions();
        var words = legend is null ? null : EmbedLegend.From(legend);
        var exams = GroupClinical(clinical);

        int path = metadata.RequireColumn(EmbedColumns.ImagePath);
        int patient = metadata.RequireColumn(EmbedColumns.PatientId);
        int study = metadata.RequireColumn(EmbedColumns.StudyId);
        int side = metadata.IndexOf(EmbedColumns.ImageLaterality);
        int view = metadata.IndexOf(EmbedColumns.ViewPosition);
        int type = metadata.IndexOf(EmbedColumns.ImageType);
        int procedure = metadata.IndexOf(EmbedColumns.Procedure);

        var records = new List<MammogramRecord>();
        var problems = new List<ManifestProblem>();
        foreach (CsvRow row in metadata.Rows)
        {
            try
            {
                if (row.Fields.Length != metadata.Header.Count)
                    throw new ManifestFormatException(metadata.File, row.Line, null, $"the row has {row.Fields.Length} fields but the header has {metadata.Header.Count}.");
                string? imageType = CsvTable.Cell(row, type);
                if (options.ImageType is not null && imageType != options.ImageType) continue;
                string imagePath = CsvTable.Cell(row, path) ?? throw Missing(metadata, row, EmbedColumns.ImagePath);
                if (options.PathPrefixFrom is { Length: > 0 } from && imagePath.StartsWith(from, StringComparison.Ordinal))
                    imagePath = (options.PathPrefixTo ?? "") + imagePath[from.Length..];
                string studyId = CsvTable.Cell(row, study) ?? throw Missing(metadata, row, EmbedColumns.StudyId);
                Laterality? laterality = CsvTable.Cell(row, side) is { } s && ManifestValues.TryParseLaterality(s, out var l) ? l : null;
                string? proc = CsvTable.Cell(row, procedure);

                var record = new MammogramRecord
                {
                    ImagePath = imagePath,
                    PatientId = CsvTable.Cell(row, patient) ?? throw Missing(metadata, row, EmbedColumns.PatientId),
                    StudyId = studyId,
                    Laterality = laterality,
                    View = CsvTable.Cell(row, view) is { } v ? ManifestValues.NormaliseView(v) : null,
                    ImageType = imageType,
                    Procedure = proc,
                    Reason = ManifestValues.ReasonFromProcedure(proc),
                    Split = options.Split,
                };
                if (exams.TryGetValue(studyId, out var examRows))
                    record = WithClinical(record, clinical, SideRows(clinical, examRows, laterality), words);
                records.Add(record);
            }
            catch (ManifestFormatException e) when (!options.ThrowOnBadRow)
            {
                problems.Add(new ManifestProblem(e.File, e.Line, e.Column, e.Problem));
            }
        }
        return new ManifestReadResult(records, problems);
    }

    private static ManifestFormatException Missing(CsvTable table, CsvRow row, string column) =>
        new(table.File, row.Line, column, "a value is required.");

    private static Dictionary<string, List<CsvRow>> GroupClinical(CsvTable clinical)
    {
        int study = clinical.RequireColumn(EmbedColumns.StudyId);
        var exams = new Dictionary<string, List<CsvRow>>(StringComparer.Ordinal);
        foreach (CsvRow row in clinical.Rows)
        {
            if (CsvTable.Cell(row, study) is not { } id) continue;
            if (!exams.TryGetValue(id, out var list)) exams[id] = list = [];
            list.Add(row);
        }
        return exams;
    }

    /// <summary>The exam's rows for this side, else its bilateral rows, else all of them.</summary>
    private static List<CsvRow> SideRows(CsvTable clinical, List<CsvRow> rows, Laterality? laterality)
    {
        int side = clinical.IndexOf(EmbedColumns.FindingSide);
        string? code = laterality is { } l ? ManifestValues.Format(l) : null;
        var same = rows.Where(r => code is not null && CsvTable.Cell(r, side) == code).ToList();
        if (same.Count > 0) return same;
        var both = rows.Where(r => CsvTable.Cell(r, side) == "B").ToList();
        return both.Count > 0 ? both : rows;
    }

    private static MammogramRecord WithClinical(MammogramRecord record, CsvTable clinical, List<CsvRow> rows, EmbedLegend? words)
    {
        int asses = clinical.IndexOf(EmbedColumns.Assessment);
        var biRads = rows.Select(r => CsvTable.Cell(r, asses) is { Length: 1 } a && ManifestValues.BiRadsLetters.Contains(a[0]) ? ManifestValues.BiRadsLetters.IndexOf(a[0]) : -1).ToList();
        var valid = biRads.Where(b => b >= 0).ToList();
        int chosenIndex = 0;
        if (valid.Count > 0)
        {
            int target = valid.Max() <= 2 && valid.Min() == 0 ? 0 : valid.Max();
            chosenIndex = biRads.IndexOf(target);
        }
        CsvRow chosen = rows[chosenIndex];
        string? Cell(string column) => CsvTable.Cell(chosen, clinical.IndexOf(column));

        int? density = Cell(EmbedColumns.TissueDensity) is { } d && ManifestValues.TryParseDensity(d, out int dv) ? dv : null;
        int? age = Cell(EmbedColumns.Age) is { } a2 && double.TryParse(a2, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double ad) && ad is >= 0 and < 150 ? (int)ad : null;
        string? ethnicity = Cell(EmbedColumns.Ethnicity) is { } e ? (e == "Hispanic or Latino" ? e : "Non-Hispanic or Latino") : null;

        int severity = clinical.IndexOf(EmbedColumns.PathSeverity);
        var severities = rows.Select(r => CsvTable.Cell(r, severity)).Where(s => s is not null)
            .Select(s => double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v) ? v : double.NaN)
            .Where(v => !double.IsNaN(v)).ToList();

        return record with
        {
            BiRads = biRads[chosenIndex] >= 0 ? biRads[chosenIndex] : null,
            Density = density,
            Age = age,
            Race = Cell(EmbedColumns.Race),
            Ethnicity = ethnicity,
            MassShape = words?.Meaning(EmbedColumns.MassShape, Cell(EmbedColumns.MassShape)),
            MassDensity = words?.Meaning(EmbedColumns.MassDensity, Cell(EmbedColumns.MassDensity)),
            CalcificationType = words?.Meaning(EmbedColumns.CalcificationType, Cell(EmbedColumns.CalcificationType)),
            CalcificationDistribution = words?.Meaning(EmbedColumns.CalcificationDistribution, Cell(EmbedColumns.CalcificationDistribution)),
            Cancer = severities.Count == 0 ? null : severities.Any(v => v is 0 or 1),
        };
    }
}
