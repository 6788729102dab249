namespace MaMA.MLNet.Embeddings;

/// <summary>
/// Column names of an embedding table as stored (snake case, as DuckDB, Spark and pandas users write them) and the
/// Parquet key-value metadata that records the embedding width.
/// </summary>
public static class EmbeddingTableColumns
{
    /// <summary>The image path.</summary>
    public const string Path = "path";
    /// <summary>The study id.</summary>
    public const string StudyId = "study_id";
    /// <summary>The patient id.</summary>
    public const string PatientId = "patient_id";
    /// <summary>The view, null when unknown.</summary>
    public const string View = "view";
    /// <summary>The laterality (L, R, B), null when unknown.</summary>
    public const string Laterality = "laterality";
    /// <summary>The embedding: a Parquet LIST of FLOAT with the same length in every row; in CSV the columns e0..e{E-1}.</summary>
    public const string Embedding = "embedding";
    /// <summary>Parquet file metadata key holding the embedding width E (Parquet has no fixed-size list type).</summary>
    public const string EmbeddingSizeMetadataKey = "mama.embedding_size";
}
