using MaMA.MLNet.Modeling.Heads;
using MaMA.MLNet.Modeling.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.MaMA;

/// <summary>
/// The image side of MaMA, laid out as the reference's <c>DinoEncoder</c> so its state-dict names match:
/// <c>model</c> (the DINOv2 ViT), <c>global_embed</c> (Linear D -> E on the pooled feature) and
/// <c>local_embed</c> (the per-patch Conv1d head D -> hidden -> E).
/// </summary>
public sealed class MaMAImageEncoder : nn.Module
{
#pragma warning disable IDE1006 // field names are the state-dict names
    private readonly VisionTransformer model;
    private readonly GlobalProjection global_embed;
    private readonly LocalProjectionHead local_embed;
#pragma warning restore IDE1006

    /// <summary>Builds the encoder and heads for <paramref name="config"/>.</summary>
    public MaMAImageEncoder(MaMAConfig config) : base(nameof(MaMAImageEncoder))
    {
        model = new VisionTransformer(config.Vision);
        global_embed = new GlobalProjection(config.Vision.Width, config.EmbeddingSize);
        local_embed = new LocalProjectionHead(config.Vision.Width, config.LocalProjectionHidden, config.EmbeddingSize);
        RegisterComponents();
    }

    /// <summary>The vision transformer (<c>model</c>).</summary>
    public VisionTransformer Backbone => model;

    /// <summary>The global projection (<c>global_embed</c>).</summary>
    public GlobalProjection GlobalEmbed => global_embed;

    /// <summary>The local projection head (<c>local_embed</c>).</summary>
    public LocalProjectionHead LocalEmbed => local_embed;
}
