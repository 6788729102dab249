namespace MaMA.MLNet.Embeddings;

/// <summary>How an embedding table is stored.</summary>
public enum EmbeddingTableFormat
{
    /// <summary>
    /// A folder of Parquet part files (the layout Spark writes and DuckDB, pandas and Spark read as one table), each
    /// written under a hidden temporary name and renamed when complete, so a killed run leaves only whole files.
    /// </summary>
    Parquet,
    /// <summary>One CSV file, appended a batch at a time; a line cut by a killed run is dropped when the run resumes.</summary>
    Csv,
}
