namespace MaMA.MLNet.Data.Manifest;

/// <summary>
/// The one way this library and the <c>mama</c> tool write a CSV cell. Text (anything that came from a manifest, a
/// file, a class name) is neutralised against CSV injection as OWASP advises: a cell that starts with <c>=</c>,
/// <c>+</c>, <c>-</c>, <c>@</c>, a tab or a carriage return gets a leading <c>'</c>, so a spreadsheet shows it as
/// text instead of running it as a formula, and is then quoted. Numbers we format ourselves go through
/// <see cref="Number(float)"/> and are never altered (<c>-0.25</c> stays a number).
/// </summary>
/// <remarks>
/// <see cref="CsvRowReader"/> drops that one <c>'</c> again (<see cref="Unguard"/>), as a spreadsheet does, so our own
/// files read back to the values written: a value that itself starts with quotes before a formula character
/// (<c>'=x</c>) gets one more, and the round trip holds for every string.
/// </remarks>
public static class CsvCell
{
    /// <summary>The characters a spreadsheet may read as the start of a formula (OWASP's list).</summary>
    public static ReadOnlySpan<char> FormulaStarts => "=+-@\t\r";

    /// <summary>
    /// A text cell: neutralised when it could start a formula (a leading <c>'</c>), then quoted as RFC 4180 requires
    /// (a comma, quote or line break; leading or trailing white space; every neutralised cell). Null is an empty cell.
    /// </summary>
    public static string Text(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        if (NeedsGuard(value)) return Quoted("'" + value);
        bool quote = value.AsSpan().IndexOfAny(",\"\r\n") >= 0 || char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1]);
        return quote ? Quoted(value) : value;
    }

    /// <summary>A number we format (round-trip, invariant culture); never neutralised, so a negative value stays a number.</summary>
    public static string Number(float value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A number we format (round-trip, invariant culture); never neutralised, so a negative value stays a number.</summary>
    public static string Number(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A record: <paramref name="cells"/> (already written by <see cref="Text"/> or <see cref="Number(float)"/>) joined by commas.</summary>
    public static string Row(IEnumerable<string> cells) => string.Join(',', cells);

    /// <summary>
    /// A field as read (unquoted) back to the value <see cref="Text"/> was given: one leading <c>'</c> is dropped when
    /// only quotes stand between it and a formula character. Any other field is returned as it is.
    /// </summary>
    public static string Unguard(string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return field.Length >= 2 && field[0] == '\'' && NeedsGuard(field.AsSpan(1)) ? field[1..] : field;
    }

    // Quotes (none or more) and then a formula character: the guarded values, so that Unguard(Text(v)) == v for all v.
    private static bool NeedsGuard(ReadOnlySpan<char> value)
    {
        int i = 0;
        while (i < value.Length && value[i] == '\'') i++;
        return i < value.Length && FormulaStarts.Contains(value[i]);
    }

    private static string Quoted(string value) => "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
