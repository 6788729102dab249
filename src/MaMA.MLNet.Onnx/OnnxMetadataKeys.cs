namespace MaMA.MLNet.Onnx;

/// <summary>The <c>metadata_props</c> keys every exported model carries, so a consumer can prepare inputs and read outputs.</summary>
public static class OnnxMetadataKeys
{
    /// <summary>What the graph is: <c>image_encoder</c>, <c>text_encoder</c>, <c>zero_shot_classifier</c> or <c>fine_tuned_classifier</c>.</summary>
    public const string ModelKind = "mama.model_kind";

    /// <summary>The input preparation the graph expects, as JSON (image size and normalisation, or text length and pooling).</summary>
    public const string Preprocessing = "mama.preprocessing";

    /// <summary>The width of the <c>embedding</c> output (encoders only).</summary>
    public const string EmbeddingSize = "mama.embedding_size";

    /// <summary>The class names as a JSON array, in output column order (classifiers only).</summary>
    public const string ClassNames = "mama.class_names";

    /// <summary>The MaMA.MLNet version that wrote the file.</summary>
    public const string LibraryVersion = "mama.library_version";
}
