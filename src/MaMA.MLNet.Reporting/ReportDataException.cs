namespace MaMA.MLNet.Reporting;

/// <summary>A file that a plot is drawn from (a loss CSV, a training log) is missing or malformed.</summary>
public sealed class ReportDataException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public ReportDataException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        FilePath = path;
    }

    /// <summary>The file.</summary>
    public string FilePath { get; }
}
