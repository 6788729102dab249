using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.MaMA;

/// <summary>Image encodings of B images.</summary>
/// <param name="Embedding">[B, E] L2-normalised global embedding.</param>
/// <param name="PooledFeature">[B, D] raw pooled ViT feature (mean of all tokens before the final norm).</param>
public sealed record ImageEncoding(Tensor Embedding, Tensor PooledFeature) : IDisposable
{
    /// <summary>Disposes both tensors.</summary>
    public void Dispose()
    {
        Embedding.Dispose();
        PooledFeature.Dispose();
    }
}

/// <summary>Patch x sentence cosine similarities of B image-caption pairs, from the local heads.</summary>
/// <param name="Similarity">[B, gh*gw, Smax]: cosine of patch p (row-major) of image b with sentence s of caption b; 0 for padded sentences.</param>
/// <param name="SentenceMask">[B, Smax] bool, true for a real sentence.</param>
/// <param name="GridHeight">Patch rows gh.</param>
/// <param name="GridWidth">Patch columns gw.</param>
public sealed record PatchSentenceSimilarity(Tensor Similarity, Tensor SentenceMask, long GridHeight, long GridWidth) : IDisposable
{
    /// <summary>The similarity of sentence <paramref name="sentence"/> of pair <paramref name="pair"/> as a [gh, gw] map.</summary>
    public Tensor Map(long pair, long sentence) => Similarity[pair, .., sentence].reshape(GridHeight, GridWidth);

    /// <summary>Disposes both tensors.</summary>
    public void Dispose()
    {
        Similarity.Dispose();
        SentenceMask.Dispose();
    }
}
