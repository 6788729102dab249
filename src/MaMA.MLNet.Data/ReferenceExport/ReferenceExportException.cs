namespace MaMA.MLNet.Data.ReferenceExport;

/// <summary>The export cannot go on: an image cannot be read or converted (and skipping was not asked for), or two inputs collide.</summary>
public sealed class ReferenceExportException : Exception
{
    /// <summary>An export failure about <paramref name="file"/>.</summary>
    public ReferenceExportException(string file, string problem, Exception? inner = null)
        : base($"{file}: {problem}", inner)
    {
        File = file;
        Problem = problem;
    }

    /// <summary>The file the failure is about.</summary>
    public string File { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; }
}
