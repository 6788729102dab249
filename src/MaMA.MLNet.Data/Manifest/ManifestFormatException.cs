namespace MaMA.MLNet.Data.Manifest;

/// <summary>
/// A manifest or metadata table could not be read: names the file, the 1-based line and, where one is to
/// blame, the column.
/// </summary>
public sealed class ManifestFormatException : Exception
{
    /// <summary>Creates the exception; the message is composed from the location and the problem.</summary>
    public ManifestFormatException(string file, int line, string? column, string problem)
        : base(Compose(file, line, column, problem))
    {
        File = file;
        Line = line;
        Column = column;
        Problem = problem;
    }

    /// <summary>The file (as given to the reader).</summary>
    public string File { get; }

    /// <summary>The 1-based line where the offending row starts; 0 when the file as a whole is at fault.</summary>
    public int Line { get; }

    /// <summary>The column name (or "#n" when the header has none), or null.</summary>
    public string? Column { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    private static string Compose(string file, int line, string? column, string problem) =>
        (line > 0 ? $"{file}, line {line}" : file) + (column is null ? "" : $", column '{column}'") + $": {problem}";
}

/// <summary>One bad row that a lenient read skipped.</summary>
/// <param name="File">The file.</param>
/// <param name="Line">The 1-based line where the row starts; 0 when the whole file is at fault (a DICOM file of a folder source).</param>
/// <param name="Column">The column at fault, or null.</param>
/// <param name="Problem">What is wrong.</param>
public sealed record ManifestProblem(string File, int Line, string? Column, string Problem)
{
    /// <inheritdoc />
    public override string ToString() =>
        (Line > 0 ? $"{File}, line {Line}" : File) + (Column is null ? "" : $", column '{Column}'") + $": {Problem}";
}
