namespace MaMA.MLNet.Components;

/// <summary>Options of <c>mlContext.Transforms.MaMATextEmbedding</c>.</summary>
public sealed class TextEmbeddingOptions : MaMAModelOptions
{
    /// <summary>The text column (a caption or report; "." and ";" end sentences, as in training).</summary>
    public string InputColumnName { get; set; } = "Text";

    /// <summary>The embedding column to add (L2-normalised, size E).</summary>
    public string OutputColumnName { get; set; } = "TextEmbedding";

    internal TextEmbeddingOptions Clone() => (TextEmbeddingOptions)MemberwiseClone();
}
