namespace MaMA.MLNet.Embeddings;

/// <summary>How <see cref="EmbeddingTableWriter.Open"/> lays out and flushes a table.</summary>
public sealed class EmbeddingTableWriterOptions
{
    /// <summary>The embedding width E; a resumed table must have the same.</summary>
    public int EmbeddingSize { get; set; }

    /// <summary>The shard this process writes; it names the part files (Parquet) or the file (CSV), so shards never write one file.</summary>
    public ManifestShard Shard { get; set; } = ManifestShard.All;

    /// <summary>Rows per Parquet row group: the rows held in memory before they go to the file.</summary>
    public int RowGroupSize { get; set; } = 1024;

    /// <summary>
    /// Rows per Parquet part file. A part becomes visible (renamed from its temporary name) when complete, so this is
    /// also the most a killed run loses.
    /// </summary>
    public int RowsPerFile { get; set; } = 16384;

    internal void Validate()
    {
        if (EmbeddingSize < 1) throw new ArgumentOutOfRangeException(nameof(EmbeddingSize), EmbeddingSize, "the embedding width must be at least 1");
        if (RowGroupSize < 1) throw new ArgumentOutOfRangeException(nameof(RowGroupSize), RowGroupSize, "a row group holds at least one row");
        if (RowsPerFile < 1) throw new ArgumentOutOfRangeException(nameof(RowsPerFile), RowsPerFile, "a part file holds at least one row");
    }
}
