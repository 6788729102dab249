namespace MaMA.MLNet.Embeddings;

/// <summary>
/// Writes an embedding table a batch at a time, resuming what is already there: <see cref="StoredPaths"/> are the
/// images the table held when it was opened, which a resumed run skips. Rows go out as they come (memory holds at
/// most one row group); <see cref="Complete"/> finishes the table. Disposing without completing keeps every row
/// already made durable (whole Parquet part files, whole CSV lines) and nothing half-written.
/// </summary>
public abstract class EmbeddingTableWriter : IDisposable
{
    private protected EmbeddingTableWriter(IReadOnlySet<string> storedPaths, int embeddingSize)
    {
        StoredPaths = storedPaths;
        EmbeddingSize = embeddingSize;
    }

    /// <summary>Image paths the table already held when opened (a resumed run).</summary>
    public IReadOnlySet<string> StoredPaths { get; }

    /// <summary>The embedding width every row has.</summary>
    public int EmbeddingSize { get; }

    /// <summary>Rows appended through this writer.</summary>
    public long RowsWritten { get; private protected set; }

    /// <summary>
    /// Opens the table at <paramref name="path"/>: a folder of Parquet part files, or one CSV file (for a shard other
    /// than the whole, its name gets <c>.shard-K-of-N</c> before the extension).
    /// </summary>
    /// <exception cref="EmbeddingTableException">What is there is not an embedding table, or has another embedding width.</exception>
    /// <exception cref="IOException">The folder or file cannot be created.</exception>
    public static EmbeddingTableWriter Open(string path, EmbeddingTableFormat format, EmbeddingTableWriterOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return format == EmbeddingTableFormat.Parquet
            ? ParquetEmbeddingFolderWriter.Open(path, options)
            : CsvEmbeddingFileWriter.Open(CsvEmbeddingFileWriter.ShardFile(path, options.Shard), options);
    }

    /// <summary>The format <paramref name="path"/>'s extension implies: <c>.csv</c> is CSV, anything else a Parquet folder.</summary>
    public static EmbeddingTableFormat FormatOf(string path) =>
        path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? EmbeddingTableFormat.Csv : EmbeddingTableFormat.Parquet;

    /// <summary>Appends rows; each must have <see cref="EmbeddingSize"/> values.</summary>
    /// <exception cref="ArgumentException">A row has another width.</exception>
    public abstract void Append(IReadOnlyList<EmbeddingRow> rows);

    /// <summary>Writes what is buffered and makes the table complete.</summary>
    public abstract void Complete();

    /// <summary>Releases the file; rows not yet durable are dropped (see the class remarks).</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the file.</summary>
    protected abstract void Dispose(bool disposing);

    private protected void CheckWidth(IReadOnlyList<EmbeddingRow> rows)
    {
        foreach (var row in rows)
            if (row.Embedding.Length != EmbeddingSize)
                throw new ArgumentException($"{row.Path}: embedding of width {row.Embedding.Length}, the table's is {EmbeddingSize}.", nameof(rows));
    }
}
