namespace MaMA.MLNet.Embeddings;

/// <summary>
/// One row of an embedding table (<c>mama embed</c>'s output): the image, its study and patient, its view and
/// laterality when the manifest knows them, and its L2-normalised MaMA embedding.
/// </summary>
public sealed record EmbeddingRow
{
    /// <summary>The image file as the manifest resolved it; the key that resuming a run skips on.</summary>
    public required string Path { get; init; }

    /// <summary>Study (exam) identifier; shards are made by it.</summary>
    public required string StudyId { get; init; }

    /// <summary>Patient identifier.</summary>
    public required string PatientId { get; init; }

    /// <summary>View position (CC, MLO, ...), or null when unknown.</summary>
    public string? View { get; init; }

    /// <summary>Laterality as DICOM writes it (L, R, B), or null when unknown.</summary>
    public string? Laterality { get; init; }

    /// <summary>The embedding; every row of one table has the same length.</summary>
    public required float[] Embedding { get; init; }
}
