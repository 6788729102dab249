using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Embeddings;
using MaMA.MLNet.Pretraining;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet;

/// <summary>
/// <c>mlContext.Data.LoadMaMAEmbeddings(path)</c>: a stored embedding table (<c>mama embed</c>'s Parquet folder of
/// shard parts, one Parquet file or a CSV file) as an <see cref="IDataView"/>, so ML.NET trainers (and
/// <see cref="Evaluation.TrainerComparison"/>) train on stored embeddings without encoding the images again.
/// </summary>
public static class EmbeddingTableCatalog
{
    /// <summary>Column names of the loaded view.</summary>
    public static class Columns
    {
        /// <summary>Image path (text).</summary>
        public const string Path = "Path";
        /// <summary>Study id (text).</summary>
        public const string StudyId = "StudyId";
        /// <summary>Patient id (text); a sampling key that keeps a patient's images in one fold.</summary>
        public const string PatientId = "PatientId";
        /// <summary>View (text, empty when unknown).</summary>
        public const string View = "View";
        /// <summary>Laterality (text, empty when unknown).</summary>
        public const string Laterality = "Laterality";
        /// <summary>The embedding, a float vector of known size.</summary>
        public const string Embedding = "Embedding";
        /// <summary>The class index of the labelled overload (Int32).</summary>
        public const string Label = "Label";
    }

    /// <summary>
    /// The table at <paramref name="path"/> as a view with the <see cref="Columns"/> (all but Label). The view streams:
    /// each cursor reads the files again a row group at a time; add <c>ml.Data.Cache</c> before a trainer that makes
    /// many passes over a table that fits in memory.
    /// </summary>
    /// <exception cref="EmbeddingTableException">The table is missing or malformed (its files are checked as cursors read them).</exception>
    public static IDataView LoadMaMAEmbeddings(this DataOperationsCatalog catalog, string path)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        int width = EmbeddingTableReader.EmbeddingSize(path);
        var rows = new ReadAgain<StoredEmbedding>(() => EmbeddingTableReader.Read(path).Select(r => new StoredEmbedding(r)));
        return catalog.LoadFromEnumerable(rows, Schema<StoredEmbedding>(width));
    }

    /// <summary>
    /// The table joined by image path with <paramref name="manifest"/>'s labels for <paramref name="task"/>: only the
    /// rows whose image has a label, with an Int32 <see cref="Columns.Label"/> (the class index, as
    /// <see cref="MaMAZeroShotEvaluation.Label"/> gives it) beside the other columns.
    /// </summary>
    public static IDataView LoadMaMAEmbeddings(this DataOperationsCatalog catalog, string path, IEnumerable<MammogramRecord> manifest, ZeroShotTask task)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(manifest);
        int width = EmbeddingTableReader.EmbeddingSize(path);
        var labels = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var record in manifest)
            if (MaMAZeroShotEvaluation.Label(record, task) is { } label) labels[record.ImagePath] = label;
        var rows = new ReadAgain<LabelledEmbedding>(() => EmbeddingTableReader.Read(path)
            .Where(r => labels.ContainsKey(r.Path))
            .Select(r => new LabelledEmbedding(r, labels[r.Path])));
        return catalog.LoadFromEnumerable(rows, Schema<LabelledEmbedding>(width));
    }

    private static SchemaDefinition Schema<T>(int width)
    {
        var schema = SchemaDefinition.Create(typeof(T));
        schema[Columns.Embedding].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        return schema;
    }

    // Enumerated once per cursor, so every cursor reads the files afresh and nothing is held between them.
    private sealed class ReadAgain<T>(Func<IEnumerable<T>> read) : IEnumerable<T>
    {
        public IEnumerator<T> GetEnumerator() => read().GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private class StoredEmbedding
    {
        public StoredEmbedding() { }

        public StoredEmbedding(EmbeddingRow row)
        {
            Path = row.Path;
            StudyId = row.StudyId;
            PatientId = row.PatientId;
            View = row.View ?? "";
            Laterality = row.Laterality ?? "";
            Embedding = row.Embedding;
        }

        public string Path { get; set; } = "";
        public string StudyId { get; set; } = "";
        public string PatientId { get; set; } = "";
        public string View { get; set; } = "";
        public string Laterality { get; set; } = "";
        public float[] Embedding { get; set; } = [];
    }

    private sealed class LabelledEmbedding : StoredEmbedding
    {
        public LabelledEmbedding() { }

        public LabelledEmbedding(EmbeddingRow row, int label) : base(row) => Label = label;

        public int Label { get; set; }
    }
}
