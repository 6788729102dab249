using MaMA.MLNet.Modeling.Heads;
using MaMA.MLNet.Modeling.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.MaMA;

/// <summary>
/// The image side of MaMA, laid out as the reference's <c>DinoEncoder</c> so its state-dict names match:
/// <c>model</c> (the DINOv2 ViT, or a <see cref="ResNet"/> with <see cref="MaMAConfig.ImageEncoder"/>), <c>global_embed</c> (Linear D -> E on the pooled feature) and
/// <c>local_embed</c> (the per-patch Conv1d head D -> hidden -> E). With
/// <see cref="MaMAConfig.GlobalImageFeatureNorm"/> a <c>global_norm</c> (<see cref="FeatureBatchNorm"/> over D) sits before
/// <c>global_embed</c>; the reference has none.
/// </summary>
public sealed class MaMAImageEncoder : nn.Module
{
#pragma warning disable IDE1006 // field names are the state-dict names
    private readonly nn.Module model;
    private readonly FeatureBatchNorm? global_norm;
    private readonly GlobalProjection global_embed;
    private readonly LocalProjectionHead local_embed;
#pragma warning restore IDE1006

    /// <summary>Builds the encoder and heads for <paramref name="config"/>.</summary>
    public MaMAImageEncoder(MaMAConfig config) : this(config, null) { }

    /// <summary>Builds the heads around <paramref name="backbone"/> (loaded weights), or a fresh ViT when null.</summary>
    internal MaMAImageEncoder(MaMAConfig config, VisionTransformer? backbone) : base(nameof(MaMAImageEncoder))
    {
        if (backbone is not null && backbone.Config != config.Vision)
            throw new ArgumentException("The given vision transformer was built from another configuration than MaMAConfig.Vision.", nameof(backbone));
        if (backbone is not null && config.ImageEncoder == ImageEncoderKind.ResNet)
            throw new ArgumentException("A vision transformer was given for a configuration whose image encoder is a ResNet.", nameof(backbone));
        model = backbone is not null ? backbone : config.ImageEncoder == ImageEncoderKind.ResNet ? new ResNet(config.ResNet!) : new VisionTransformer(config.Vision);
        int width = config.ImageFeatureWidth;
        if (config.GlobalImageFeatureNorm) global_norm = new FeatureBatchNorm(width);
        global_embed = new GlobalProjection(width, config.EmbeddingSize);
        local_embed = new LocalProjectionHead(width, config.LocalProjectionHidden, config.EmbeddingSize);
        RegisterComponents();
    }

    /// <summary>The vision transformer (<c>model</c>).</summary>
    /// <exception cref="InvalidOperationException">The encoder is a ResNet (use <see cref="Encode"/> or <see cref="ResNetBackbone"/>).</exception>
    public VisionTransformer Backbone => model as VisionTransformer
        ?? throw new InvalidOperationException("This MaMA model's image encoder is a ResNet, not a vision transformer.");

    /// <summary>The ResNet (<c>model</c>) when <see cref="MaMAConfig.ImageEncoder"/> is <see cref="ImageEncoderKind.ResNet"/>, else null.</summary>
    public ResNet? ResNetBackbone => model as ResNet;

    /// <summary>The backbone (<c>model</c>) of either kind.</summary>
    public nn.Module BackboneModule => model;

    /// <summary>
    /// Runs the backbone on normalised images [B, 3, H, W]: the pooled global feature and the local features
    /// (ViT: normed patch tokens; ResNet: cells of the last feature map). With the graph (call under no_grad for inference).
    /// </summary>
    public ImageBackboneOutput Encode(Tensor pixels) => model switch
    {
        ResNet resNet => resNet.forward(pixels),
        VisionTransformer vit => ImageBackboneOutput.From(vit.forward(pixels)),
        _ => throw new InvalidOperationException($"Unknown image backbone {model.GetType().Name}."),
    };

    /// <summary>The optional feature norm before the global projection (<c>global_norm</c>), or null.</summary>
    public FeatureBatchNorm? GlobalNorm => global_norm;

    /// <summary>The global projection (<c>global_embed</c>).</summary>
    public GlobalProjection GlobalEmbed => global_embed;

    /// <summary>The local projection head (<c>local_embed</c>).</summary>
    public LocalProjectionHead LocalEmbed => local_embed;

    /// <summary>The global embedding before L2 normalisation: <c>global_embed(global_norm(pooled))</c>, [B, D] -> [B, E].</summary>
    public Tensor ProjectGlobal(Tensor pooledFeature) =>
        global_embed.forward(global_norm is null ? pooledFeature : global_norm.forward(pooledFeature));

    /// <summary>
    /// The global projection as one affine map (weight [E, D], bias [E]) with the eval-mode feature norm folded
    /// in (W diag(g) and b + W beta', where g = gamma / sqrt(var + eps) and beta' = beta - g mean); without a norm,
    /// copies of the projection's own weight and bias. What the ONNX exporter writes.
    /// </summary>
    public (Tensor Weight, Tensor Bias) FoldedGlobalProjection()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var state = global_embed.state_dict();
        Tensor w = state["weight"], b = state["bias"];
        if (global_norm is null) return (w.clone().MoveToOuterDisposeScope(), b.clone().MoveToOuterDisposeScope());
        var gain = global_norm.Weight / (global_norm.RunningVariance + global_norm.Eps).sqrt();
        var shift = global_norm.Bias - gain * global_norm.RunningMean;
        var weight = w * gain.unsqueeze(0);
        var bias = b + w.matmul(shift);
        return (weight.MoveToOuterDisposeScope(), bias.MoveToOuterDisposeScope());
    }
}
