using TorchSharp;
using TorchSharp.Utils;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Vision;

/// <summary>
/// The DINOv2 vision transformer (optionally with registers) used as MaMA's image encoder.
/// Tokens are ordered CLS, registers, patches; CLS and patches get learned position embeddings (bicubically
/// interpolated to the input's patch grid, any aspect ratio), registers get none. The state-dict names equal
/// the DINOv2 torch-hub names (<c>cls_token</c>, <c>pos_embed</c>, <c>register_tokens</c>, <c>mask_token</c>,
/// <c>patch_embed.proj.*</c>, <c>blocks.N.*</c>, <c>norm.*</c>), so hub checkpoints load directly.
/// </summary>
public sealed class VisionTransformer : nn.Module<Tensor, VisionTransformerOutput>
{
    // The attributes tie each field to its registered name, so Module.to(device/dtype) updates the field too.
    [ComponentName(Name = "cls_token")] private Parameter clsToken;
    [ComponentName(Name = "pos_embed")] private Parameter posEmbed;
    [ComponentName(Name = "register_tokens")] private Parameter? registerTokens;
    [ComponentName(Name = "mask_token")] private Parameter maskToken;
    private readonly PatchEmbedding patchEmbed;
    private readonly ModuleList<VisionTransformerBlock> blocks;
    private readonly LayerNorm norm;

    /// <summary>
    /// Builds the model from <paramref name="config"/>, initialised as DINOv2 does (position embeddings and linear
    /// weights truncated-normal with std 0.02, CLS and registers normal with std 1e-6, biases zero), then moves it
    /// to <paramref name="device"/> and <paramref name="dtype"/> (default CPU, float32).
    /// </summary>
    public VisionTransformer(VisionTransformerConfig config, Device? device = null, ScalarType dtype = ScalarType.Float32)
        : base(nameof(VisionTransformer))
    {
        config.Validate();
        Config = config;
        long d = config.Width;

        clsToken = nn.Parameter(zeros(1, 1, d));
        posEmbed = nn.Parameter(zeros(1, 1 + (long)config.GridSize * config.GridSize, d));
        if (config.RegisterCount > 0) registerTokens = nn.Parameter(zeros(1, config.RegisterCount, d));
        // Unused by the forward pass (no masked-image modelling here) but part of every DINOv2 checkpoint.
        maskToken = nn.Parameter(zeros(1, d));
        patchEmbed = new PatchEmbedding(config.PatchSize, config.Width);
        blocks = new ModuleList<VisionTransformerBlock>();
        for (int i = 0; i < config.Depth; i++)
        {
            double rate = config.Depth > 1 ? config.DropPathRate * i / (config.Depth - 1) : config.DropPathRate;
            blocks.Add(new VisionTransformerBlock(config, rate));
        }
        norm = nn.LayerNorm(d, config.LayerNormEps);

        register_parameter("cls_token", clsToken);
        register_parameter("pos_embed", posEmbed);
        if (registerTokens is not null) register_parameter("register_tokens", registerTokens);
        register_parameter("mask_token", maskToken);
        register_module("patch_embed", patchEmbed);
        register_module("blocks", blocks);
        register_module("norm", norm);

        InitializeWeights();
        if (dtype != ScalarType.Float32) this.to(dtype);
        if (device is not null && device.type != DeviceType.CPU) this.to(device);
    }

    /// <summary>The configuration the model was built from.</summary>
    public VisionTransformerConfig Config { get; }

    /// <summary>
    /// Recompute each block's activations in the backward pass instead of keeping them (gradient checkpointing, see
    /// <see cref="ActivationRecomputation"/>): same gradients, far less memory, about one more forward pass of compute.
    /// Applies in training mode with gradients on; off by default.
    /// </summary>
    public bool RecomputeActivations { get; set; }

    private void InitializeWeights()
    {
        using var noGrad = no_grad();
        TruncatedNormal(posEmbed, 0.02);
        nn.init.normal_(clsToken, std: 1e-6);
        if (registerTokens is not null) nn.init.normal_(registerTokens, std: 1e-6);
        foreach (var (_, module) in named_modules())
        {
            if (module is Linear linear)
            {
                TruncatedNormal(linear.weight!, 0.02);
                if (linear.bias is not null) nn.init.zeros_(linear.bias);
            }
        }
    }

    // timm/DINOv2 trunc_normal_(std, a = -2, b = 2): inverse-CDF sampling of N(0, std^2) truncated to [a, b].
    // Written out because TorchSharp 0.107's nn.init.trunc_normal_ filled the whole tensor with the value of std.
    private static void TruncatedNormal(Tensor tensor, double std, double a = -2, double b = 2)
    {
        using var scope = NewDisposeScope();
        double lower = NormalCdf(a / std), upper = NormalCdf(b / std);
        tensor.uniform_(2 * lower - 1, 2 * upper - 1).erfinv_().mul_(std * Math.Sqrt(2)).clamp_(a, b);
    }

    private static double NormalCdf(double x)
    {
        using var scope = NewDisposeScope();
        return (1 + torch.special.erf(torch.tensor(x / Math.Sqrt(2), ScalarType.Float64)).item<double>()) / 2;
    }

    /// <summary>Token count for an input of <paramref name="height"/> x <paramref name="width"/> pixels: 1 + registers + patches.</summary>
    public long TokenCount(long height, long width) =>
        1 + Config.RegisterCount + (height / Config.PatchSize) * (width / Config.PatchSize);

    /// <summary>
    /// Encodes images [B, 3, H, W] (any H, W of at least one patch; pixels beyond the last whole patch are
    /// ignored) into the pooled feature, the normalised CLS token and the normalised patch tokens.
    /// </summary>
    public override VisionTransformerOutput forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        var tokens = ForwardPreNorm(images, out long gridHeight, out long gridWidth);
        var pooled = tokens.mean([1]);
        var normed = norm.forward(tokens);
        var cls = normed[.., 0, ..].contiguous();
        var patches = normed[.., (1 + Config.RegisterCount).., ..].contiguous();
        return new VisionTransformerOutput(pooled, cls, patches, gridHeight, gridWidth).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// All tokens [B, 1 + R + gh*gw, D] after the last block and before the final norm (DINOv2 <c>x_prenorm</c>).
    /// </summary>
    public Tensor ForwardPreNorm(Tensor images, out long gridHeight, out long gridWidth)
    {
        using var scope = NewDisposeScope();
        if (images.dim() != 4 || images.shape[1] != 3)
            throw new ArgumentException($"Expected images shaped [B, 3, H, W], got [{string.Join(", ", images.shape)}].", nameof(images));
        long batch = images.shape[0];
        gridHeight = images.shape[2] / Config.PatchSize;
        gridWidth = images.shape[3] / Config.PatchSize;

        var x = patchEmbed.forward(images);
        x = cat([clsToken.expand(batch, -1, -1), x], 1);
        x = x.Plus(PositionEmbeddingInterpolation.Interpolate(posEmbed, gridHeight, gridWidth, Config.InterpolateAntialias, Config.InterpolateOffset));
        if (registerTokens is not null)
            x = cat([x[.., ..1, ..], registerTokens.expand(batch, -1, -1), x[.., 1.., ..]], 1);
        bool recompute = RecomputeActivations && training && is_grad_enabled();
        foreach (var block in blocks)
            x = recompute
                ? ActivationRecomputation.Run((input, _) => block.forward(input), x, null, block.parameters().Where(p => p.requires_grad).ToList<Tensor>())
                : block.forward(x);
        return x.MoveToOuterDisposeScope();
    }
}
