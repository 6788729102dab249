using System.Text;

namespace MaMA.MLNet.Data.Manifest;

/// <summary>Reads the MaMA.MLNet CSV manifest described in <see cref="ManifestColumns"/>.</summary>
public static class MammogramManifestReader
{
    /// <summary>
    /// Reads a manifest file; relative image paths are resolved against its folder and must stay inside it unless
    /// <see cref="ManifestReadOptions.AllowPathsOutsideManifestFolder"/> is set.
    /// </summary>
    /// <exception cref="ManifestFormatException">The header or (unless skipping) a row is invalid.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static ManifestReadResult Read(string path, ManifestReadOptions? options = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Manifest '{path}' does not exist.", path);
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        string folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        return Read(reader, path, folder, options);
    }

    /// <summary>Reads a manifest from text; <paramref name="file"/> names it in errors and
    /// <paramref name="baseFolder"/> resolves relative image paths.</summary>
    public static ManifestReadResult Read(TextReader text, string file, string baseFolder, ManifestReadOptions? options = null)
    {
        options ??= new ManifestReadOptions();
        var csv = new CsvRowReader(text, file);
        if (!csv.TryRead(out CsvRow? header))
            throw new ManifestFormatException(file, 0, null, "the file is empty; expected a header row.");
        var columns = HeaderIndex(header!, file);
        foreach (string required in new[] { ManifestColumns.ImagePath, ManifestColumns.PatientId, ManifestColumns.StudyId })
            if (!columns.ContainsKey(required))
                throw new ManifestFormatException(file, header!.Line, required, "required column is missing from the header.");

        var records = new List<MammogramRecord>();
        var problems = new List<ManifestProblem>();
        foreach (CsvRow row in csv.ReadAll())
        {
            var cells = new RowCells(row, header!.Fields.Length, columns, file);
            try
            {
                records.Add(ParseRow(cells, baseFolder, options));
            }
            catch (ManifestFormatException e) when (!options.ThrowOnBadRow)
            {
                problems.Add(new ManifestProblem(e.File, e.Line, e.Column, e.Problem));
            }
        }
        return new ManifestReadResult(records, problems);
    }

    private static Dictionary<string, int> HeaderIndex(CsvRow header, string file)
    {
        var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < header.Fields.Length; i++)
        {
            string name = header.Fields[i].Trim();
            if (name.Length == 0) continue;
            if (!index.TryAdd(name, i))
                throw new ManifestFormatException(file, header.Line, name, "the column appears twice in the header.");
        }
        return index;
    }

    private static MammogramRecord ParseRow(RowCells c, string baseFolder, ManifestReadOptions options)
    {
        string imagePath = c.Required(ManifestColumns.ImagePath);
        if (!Path.IsPathFullyQualified(imagePath))
        {
            string resolved = Path.GetFullPath(Path.Combine(baseFolder, imagePath));
            if (!options.AllowPathsOutsideManifestFolder && !IsInside(resolved, baseFolder))
                throw c.Error(ManifestColumns.ImagePath,
                    $"'{imagePath}' leads out of the manifest's folder; such paths are refused unless allowed (--allow-outside-paths in the mama tool, "
                    + $"{nameof(ManifestReadOptions)}.{nameof(ManifestReadOptions.AllowPathsOutsideManifestFolder)} in code), or write the path out in full.");
            if (options.ResolveImagePaths) imagePath = resolved;
        }
        return new MammogramRecord
        {
            ImagePath = imagePath,
            PatientId = c.Required(ManifestColumns.PatientId),
            StudyId = c.Required(ManifestColumns.StudyId),
            Laterality = c.Parse<Laterality>(ManifestColumns.Laterality, ManifestValues.TryParseLaterality, "L, R or B"),
            View = c.Text(ManifestColumns.View) is { } v ? ManifestValues.NormaliseView(v) : null,
            ImageType = c.Text(ManifestColumns.ImageType),
            Procedure = c.Text(ManifestColumns.Procedure),
            Reason = c.Parse<ExamReason>(ManifestColumns.Reason, ManifestValues.TryParseReason, "screening or diagnostic"),
            Age = c.Parse<int>(ManifestColumns.Age, ManifestValues.TryParseAge, "a whole number of years 0-150"),
            Race = c.Text(ManifestColumns.Race),
            Ethnicity = c.Text(ManifestColumns.Ethnicity),
            Density = c.Parse<int>(ManifestColumns.Density, ManifestValues.TryParseDensity, "1-4 or A-D"),
            BiRads = c.Parse<int>(ManifestColumns.BiRads, ManifestValues.TryParseBiRads, "0-6 or one of A N B P S M K"),
            MassShape = c.Text(ManifestColumns.MassShape),
            MassMargin = c.Text(ManifestColumns.MassMargin),
            MassDensity = c.Text(ManifestColumns.MassDensity),
            CalcificationType = c.Text(ManifestColumns.CalcificationType),
            CalcificationDistribution = c.Text(ManifestColumns.CalcificationDistribution),
            Cancer = c.Parse<bool>(ManifestColumns.Cancer, ManifestValues.TryParseCancer, "0 or 1"),
            Split = c.Parse<DatasetSplit>(ManifestColumns.Split, ManifestValues.TryParseSplit, "train, val or test"),
        };
    }

    // True when the full path is the folder or below it (text only: "." and ".." are already resolved, links are not followed).
    private static bool IsInside(string fullPath, string folder)
    {
        string root = Path.GetFullPath(folder);
        if (!Path.EndsInDirectorySeparator(root)) root += Path.DirectorySeparatorChar;
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return (fullPath + Path.DirectorySeparatorChar).StartsWith(root, comparison);
    }

    private delegate bool TryParse<T>(string text, out T value);

    /// <summary>Cell access by column name for one row, with errors that name the row and column.</summary>
    private readonly struct RowCells(CsvRow row, int headerWidth, Dictionary<string, int> columns, string file)
    {
        public string? Text(string column)
        {
            if (row.Fields.Length != headerWidth)
                throw new ManifestFormatException(file, row.Line, null, $"the row has {row.Fields.Length} fields but the header has {headerWidth}.");
            if (!columns.TryGetValue(column, out int i)) return null;
            string value = row.Fields[i].Trim();
            return value.Length == 0 ? null : value;
        }

        public ManifestFormatException Error(string column, string problem) => new(file, row.Line, column, problem);

        public string Required(string column) =>
            Text(column) ?? throw new ManifestFormatException(file, row.Line, column, "a value is required.");

        public T? Parse<T>(string column, TryParse<T> parse, string expected) where T : struct
        {
            string? text = Text(column);
            if (text is null) return null;
            if (!parse(text, out T value))
                throw new ManifestFormatException(file, row.Line, column, $"'{text}' is not valid; expected {expected}.");
            return value;
        }
    }
}
