namespace MaMA.MLNet.Modeling.MaMA;

/// <summary>A saved MaMA model (its directory, config or weight file) is missing or malformed; the message names the file.</summary>
public sealed class MaMAModelFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public MaMAModelFormatException(string path, string message, Exception? inner = null)
        : base($"{path}: {message}", inner)
    {
        Path = path;
    }

    /// <summary>The file or directory at fault.</summary>
    public string Path { get; }
}
