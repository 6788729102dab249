using Parquet.Schema;

namespace MaMA.MLNet.Embeddings;

/// <summary>
/// The Parquet schema of an embedding table: path, study_id, patient_id (required strings), view, laterality
/// (optional strings) and embedding, a standard three-level LIST of required FLOAT (<c>embedding.list.element</c>),
/// which DuckDB reads as <c>FLOAT[]</c>, pyarrow and Spark as <c>list&lt;float&gt;</c>. Parquet has no fixed-size list;
/// the width is the same in every row and recorded under <see cref="EmbeddingTableColumns.EmbeddingSizeMetadataKey"/>.
/// </summary>
internal sealed class ParquetEmbeddingSchema
{
    public DataField Path { get; } = new(EmbeddingTableColumns.Path, typeof(string), isNullable: false);
    public DataField StudyId { get; } = new(EmbeddingTableColumns.StudyId, typeof(string), isNullable: false);
    public DataField PatientId { get; } = new(EmbeddingTableColumns.PatientId, typeof(string), isNullable: false);
    public DataField View { get; } = new(EmbeddingTableColumns.View, typeof(string), isNullable: true);
    public DataField Laterality { get; } = new(EmbeddingTableColumns.Laterality, typeof(string), isNullable: true);
    public DataField Element { get; } = new("element", typeof(float), isNullable: false);
    public ParquetSchema Schema { get; }

    public ParquetEmbeddingSchema()
    {
        Schema = new ParquetSchema(Path, StudyId, PatientId, View, Laterality, new ListField(EmbeddingTableColumns.Embedding, Element));
    }
}
