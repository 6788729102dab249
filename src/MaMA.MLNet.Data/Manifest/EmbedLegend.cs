namespace MaMA.MLNet.Data.Manifest;

/// <summary>
/// The EMBED legend table (AWS_Open_Data_Clinical_Legend.csv): for each clinical column ("Header in export")
/// the words ("Meaning") of each code ("Code"). Codes compare as trimmed text; "9.0" also matches "9",
/// because pandas writes integer-like codes as floats.
/// </summary>
public sealed class EmbedLegend
{
    private readonly Dictionary<(string Column, string Code), string> _meanings = [];

    /// <summary>Reads the legend from a table with the three legend columns.</summary>
    public static EmbedLegend From(CsvTable table)
    {
        int header = table.RequireColumn(EmbedColumns.LegendHeader);
        int code = table.RequireColumn(EmbedColumns.LegendCode);
        int meaning = table.RequireColumn(EmbedColumns.LegendMeaning);
        var legend = new EmbedLegend();
        foreach (CsvRow row in table.Rows)
        {
            if (CsvTable.Cell(row, header) is { } h && CsvTable.Cell(row, code) is { } c && CsvTable.Cell(row, meaning) is { } m)
                legend._meanings.TryAdd((h, Normalise(c)), m);
        }
        return legend;
    }

    /// <summary>The words for <paramref name="code"/> of <paramref name="column"/>, or null when unknown.</summary>
    public string? Meaning(string column, string? code) =>
        code is not null && _meanings.TryGetValue((column, Normalise(code)), out string? m) ? m : null;

    private static string Normalise(string code) =>
        code.EndsWith(".0", StringComparison.Ordinal) && code.Length > 2 ? code[..^2] : code;
}
