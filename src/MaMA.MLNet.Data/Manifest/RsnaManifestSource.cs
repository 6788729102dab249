namespace MaMA.MLNet.Data.Manifest;

/// <summary>
/// The RSNA Screening Mammography Breast Cancer Detection table (<c>train.csv</c>: <c>patient_id</c>, <c>image_id</c>,
/// <c>laterality</c>, <c>view</c>, <c>age</c>, <c>cancer</c>, <c>BIRADS</c>, <c>density</c>, ...) with its images at
/// <c>{ImageFolder}/{patient_id}/{image_id}{Extension}</c>, as the competition ships them (DICOM). One record per row;
/// the patient is the study (RSNA has one screening exam per patient), so the multi-view pairing takes the other
/// views of the same patient. Density A-D, BI-RADS 0-2 and age may be written as floats ("2.0", "61.0") or be empty.
/// </summary>
/// <param name="TableCsv">train.csv (or a table with the same columns).</param>
/// <param name="ImageFolder">The folder holding one sub-folder per patient.</param>
/// <param name="Extension">The image files' extension, with the dot (".dcm"; ".png" for converted copies).</param>
/// <param name="Split">The split to stamp on every record, or null.</param>
/// <param name="ThrowOnBadRow">True (default): a bad row throws; false: it is skipped and reported.</param>
public sealed record RsnaManifestSource(string TableCsv, string ImageFolder, string Extension = ".dcm", DatasetSplit? Split = null, bool ThrowOnBadRow = true)
    : IMammogramManifestSource
{
    /// <summary>Column names of the RSNA table.</summary>
    public static class Columns
    {
        /// <summary>Patient id (also the folder name).</summary>
        public const string PatientId = "patient_id";
        /// <summary>Image id (the file name without extension).</summary>
        public const string ImageId = "image_id";
        /// <summary>L or R.</summary>
        public const string Laterality = "laterality";
        /// <summary>CC, MLO, ML, LM, AT ...</summary>
        public const string View = "view";
        /// <summary>Age in years.</summary>
        public const string Age = "age";
        /// <summary>0 or 1.</summary>
        public const string Cancer = "cancer";
        /// <summary>0 (recall), 1 (negative), 2 (benign), or empty.</summary>
        public const string BiRads = "BIRADS";
        /// <summary>A-D or empty.</summary>
        public const string Density = "density";
    }

    /// <inheritdoc />
    public string Description => $"RSNA table {TableCsv} (images under {ImageFolder})";

    /// <inheritdoc />
    public ManifestReadResult Load() => Build(CsvTable.Read(TableCsv), ImageFolder, Extension, Split, ThrowOnBadRow);

    /// <summary>Builds records from a table already read (also used by tests).</summary>
    public static ManifestReadResult Build(CsvTable table, string imageFolder, string extension = ".dcm", DatasetSplit? split = null, bool throwOnBadRow = true)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(imageFolder);
        int patient = table.RequireColumn(Columns.PatientId);
        int image = table.RequireColumn(Columns.ImageId);
        int side = table.IndexOf(Columns.Laterality), view = table.IndexOf(Columns.View), age = table.IndexOf(Columns.Age);
        int cancer = table.IndexOf(Columns.Cancer), biRads = table.IndexOf(Columns.BiRads), density = table.IndexOf(Columns.Density);

        var records = new List<MammogramRecord>();
        var problems = new List<ManifestProblem>();
        foreach (CsvRow row in table.Rows)
        {
            try
            {
                if (row.Fields.Length != table.Header.Count)
                    throw new ManifestFormatException(table.File, row.Line, null, $"the row has {row.Fields.Length} fields but the header has {table.Header.Count}.");
                string patientId = Id(table, row, patient, Columns.PatientId);
                string imageId = Id(table, row, image, Columns.ImageId);
                records.Add(new MammogramRecord
                {
                    ImagePath = Path.Combine(imageFolder, patientId, imageId + extension),
                    PatientId = patientId,
                    StudyId = patientId,
                    Laterality = Optional(table, row, side, Columns.Laterality, t => ManifestValues.TryParseLaterality(t, out var l) ? l : (Laterality?)null),
                    View = CsvTable.Cell(row, view) is { } v ? ManifestValues.NormaliseView(v) : null,
                    ImageType = "2D",
                    Procedure = "screening mammography",
                    Reason = ExamReason.Screening,
                    Age = Optional(table, row, age, Columns.Age, t => WholeNumber(t, 0, 150)),
                    Cancer = Optional(table, row, cancer, Columns.Cancer, t => WholeNumber(t, 0, 1) is { } c ? c == 1 : (bool?)null),
                    BiRads = Optional(table, row, biRads, Columns.BiRads, t => WholeNumber(t, 0, 6)),
                    Density = Optional(table, row, density, Columns.Density, t => ManifestValues.TryParseDensity(t, out int d) ? d : (int?)null),
                    Split = split,
                });
            }
            catch (ManifestFormatException e) when (!throwOnBadRow)
            {
                problems.Add(new ManifestProblem(e.File, e.Line, e.Column, e.Problem));
            }
        }
        return new ManifestReadResult(records, problems);
    }

    // Ids become folder and file names: refuse anything that could leave the image folder.
    private static string Id(CsvTable table, CsvRow row, int column, string name)
    {
        string value = CsvTable.Cell(row, column) ?? throw new ManifestFormatException(table.File, row.Line, name, "a value is required.");
        if (value.IndexOfAny(['/', '\\']) >= 0 || value is "." or ".." || value.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            throw new ManifestFormatException(table.File, row.Line, name, $"'{value}' is not a file name.");
        return value;
    }

    // An empty cell is unknown; a value that does not parse is an error naming the column.
    private static T? Optional<T>(CsvTable table, CsvRow row, int column, string name, Func<string, T?> parse)
    {
        if (CsvTable.Cell(row, column) is not { } text) return default;
        return parse(text) is { } value ? value
            : throw new ManifestFormatException(table.File, row.Line, name, $"'{text}' is not a valid {name}.");
    }

    // "61", "61.0" (pandas writes floats when a column has gaps); fractions other than .0 are refused.
    private static int? WholeNumber(string text, int min, int max) =>
        ManifestValues.TryParseWholeNumber(text.Trim(), min, max, out int value) ? value : null;
}
