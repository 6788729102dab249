namespace MaMA.MLNet.Imaging;

/// <summary>
/// An image file could not be read. Every reader in this library throws this (or a subclass) for bad input,
/// never a bare IndexOutOfRange or OutOfMemory, and the message names the file and what is wrong.
/// </summary>
public class MammogramReadException : Exception
{
    /// <summary>The file path or stream name.</summary>
    public string FileName { get; }

    /// <summary>Creates the exception; the message is prefixed with the source.</summary>
    public MammogramReadException(string source, string problem, Exception? inner = null)
        : base($"{source}: {problem}", inner)
    {
        FileName = source;
        Problem = problem;
    }

    /// <summary>What is wrong, without the source prefix.</summary>
    public string Problem { get; }
}
