namespace MaMA.MLNet.Training;

/// <summary>A checkpoint file cannot be read or does not fit the model and optimiser it is loaded into.</summary>
public sealed class CheckpointFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public CheckpointFormatException(string path, string problem, Exception? inner = null)
        : base($"Checkpoint '{path}': {problem}", inner) => Path = path;

    /// <summary>The checkpoint file.</summary>
    public string Path { get; }
}
