namespace MaMA.MLNet.Embeddings;

/// <summary>An embedding table (file or folder) is malformed, of another width than expected, or not one of ours; the message names the file.</summary>
public sealed class EmbeddingTableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EmbeddingTableException(string message) : base(message) { }

    /// <summary>Creates the exception with the error that caused it.</summary>
    public EmbeddingTableException(string message, Exception inner) : base(message, inner) { }
}
