namespace MaMA.MLNet.Training;

/// <summary>Preparing a micro-batch failed on a worker; <see cref="Exception.InnerException"/> holds the cause.</summary>
public sealed class BatchPreparationException : Exception
{
    /// <summary>Creates the exception for <paramref name="key"/>.</summary>
    public BatchPreparationException(BatchKey key, Exception inner)
        : base($"Preparing {key} failed: {inner.Message}", inner) => Key = key;

    /// <summary>The micro-batch that failed.</summary>
    public BatchKey Key { get; }
}
