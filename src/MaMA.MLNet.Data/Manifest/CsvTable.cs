using System.Text;

namespace MaMA.MLNet.Data.Manifest;

/// <summary>
/// A whole CSV file with a header row, read into memory, with access by column name. Used for source tables
/// (EMBED metadata, clinical data, legend) whose columns are named by their producer.
/// </summary>
public sealed class CsvTable
{
    private readonly Dictionary<string, int> _columns;

    private CsvTable(string file, CsvRow header, List<CsvRow> rows)
    {
        File = file;
        HeaderLine = header.Line;
        Header = header.Fields;
        Rows = rows;
        _columns = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < header.Fields.Length; i++)
            _columns.TryAdd(header.Fields[i].Trim(), i);
    }

    /// <summary>The file, as named in errors.</summary>
    public string File { get; }

    /// <summary>The line the header row is on.</summary>
    public int HeaderLine { get; }

    /// <summary>The header fields.</summary>
    public IReadOnlyList<string> Header { get; }

    /// <summary>The data rows (each with its start line).</summary>
    public IReadOnlyList<CsvRow> Rows { get; }

    /// <summary>Reads a CSV file with a header row.</summary>
    /// <exception cref="ManifestFormatException">The file is empty or not valid CSV.</exception>
    public static CsvTable Read(string path)
    {
        if (!System.IO.File.Exists(path)) throw new FileNotFoundException($"Table '{path}' does not exist.", path);
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return Read(reader, path);
    }

    /// <summary>Reads CSV text with a header row; <paramref name="file"/> names it in errors.</summary>
    public static CsvTable Read(TextReader text, string file)
    {
        var csv = new CsvRowReader(text, file);
        if (!csv.TryRead(out CsvRow? header))
            throw new ManifestFormatException(file, 0, null, "the file is empty; expected a header row.");
        return new CsvTable(file, header!, [.. csv.ReadAll()]);
    }

    /// <summary>The index of a column, or -1.</summary>
    public int IndexOf(string column) => _columns.TryGetValue(column, out int i) ? i : -1;

    /// <summary>The index of a column that must exist.</summary>
    /// <exception cref="ManifestFormatException">The header lacks it.</exception>
    public int RequireColumn(string column) =>
        _columns.TryGetValue(column, out int i) ? i : throw new ManifestFormatException(File, HeaderLine, column, "required column is missing from the header.");

    /// <summary>The trimmed cell at <paramref name="column"/> (an index from <see cref="IndexOf"/>), or null
    /// when the column is absent (-1), the row is short, or the cell is empty or "nan".</summary>
    public static string? Cell(CsvRow row, int column)
    {
        if (column < 0 || column >= row.Fields.Length) return null;
        string value = row.Fields[column].Trim();
        return value.Length == 0 || value.Equals("nan", StringComparison.OrdinalIgnoreCase) ? null : value;
    }
}
