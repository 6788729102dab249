namespace MaMA.MLNet.Components;

/// <summary>What the image embedding transformer writes.</summary>
public enum ImageEmbeddingKind
{
    /// <summary>The L2-normalised global embedding (the model's embedding size E; 512 for MaMA).</summary>
    Embedding,
    /// <summary>The raw pooled image feature (width D = <c>MaMAConfig.ImageFeatureWidth</c>: 768 for ViT-B, 512 for ResNet18), e.g. for a linear probe.</summary>
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

    /// <summary>
    /// The engine that runs the image encoder. <see cref="MaMAInferenceBackend.OnnxRuntime"/> runs on the CPU (or, with Device cuda in the OnnxRuntimeBackend=gpu build, the CUDA execution provider) and
    /// writes the embedding only (the exported encoder has no pooled-feature output).
    /// </summary>
    public MaMAInferenceBackend Backend { get; set; } = MaMAInferenceBackend.TorchSharp;

    /// <summary>
    /// With the ONNX Runtime backend: an image encoder exported from the same model (<c>mama export-onnx --part image</c>)
    /// at the image column's size. Empty: the model's encoder is exported in memory at the column's size on first use.
    /// A given file is copied into a saved pipeline.
    /// </summary>
    public string OnnxModelPath { get; set; } = "";

    /// <summary>With the ONNX Runtime backend: threads one batch may use (ONNX Runtime's intra-op threads); 0 = ONNX Runtime's default.</summary>
    public int OnnxIntraOpThreads { get; set; }

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        if (OnnxIntraOpThreads < 0)
            throw new ArgumentOutOfRangeException(nameof(OnnxIntraOpThreads), OnnxIntraOpThreads, "the intra-op thread count must be 0 (ONNX Runtime's default) or more");
        if (Backend != MaMAInferenceBackend.OnnxRuntime) return;
        if (Output != ImageEmbeddingKind.Embedding)
            throw new ArgumentException("the ONNX Runtime backend writes the embedding only; use the TorchSharp backend for the pooled feature", nameof(Output));
        // Device was parsed by base.Validate: cuda[:N] asks for ONNX Runtime's CUDA execution provider (the
        // OnnxRuntimeBackend=gpu build); without it the session falls back to the CPU with a warning (OnnxExecutionProviders).
    }

    internal ImageEmbeddingOptions Clone() => (ImageEmbeddingOptions)MemberwiseClone();
}
