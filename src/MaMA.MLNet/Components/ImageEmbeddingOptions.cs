namespace MaMA.MLNet.Components;

/// <summary>What the image embedding transformer writes.</summary>
public enum ImageEmbeddingKind
{
    /// <summary>The L2-normalised global embedding (the model's embedding size E; 512 for MaMA).</summary>
    Embedding,
    /// <summary>The raw pooled ViT feature (width D; 768 for ViT-B), e.g. for a linear probe.</summary>
    PooledFeature,
}

/// <summary>Options of <c>mlContext.Transforms.MaMAImageEmbedding</c>.</summary>
public sealed class ImageEmbeddingOptions : MaMAModelOptions
{
    /// <summary>The model-ready image column (Single vector [3, S, S], as LoadMammograms writes it).</summary>
    public string InputColumnName { get; set; } = "Image";

    /// <summary>The embedding column to add.</summary>
    public string OutputColumnName { get; set; } = "Embedding";

    /// <summary>Embedding (default) or the raw pooled feature.</summary>
    public ImageEmbeddingKind Output { get; set; } = ImageEmbeddingKind.Embedding;

    internal ImageEmbeddingOptions Clone() => (ImageEmbeddingOptions)MemberwiseClone();
}
