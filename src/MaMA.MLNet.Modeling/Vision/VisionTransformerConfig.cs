namespace MaMA.MLNet.Modeling.Vision;

/// <summary>
/// Shape and behaviour of a DINOv2-style vision transformer. Presets mirror the DINOv2 torch-hub models
/// (<c>dinov2_vit{s,b,l,g}14[_reg]</c>); MaMA uses <see cref="DinoV2VitB14Reg"/>.
/// </summary>
public sealed record VisionTransformerConfig
{
    /// <summary>Side of a square patch in pixels (DINOv2: 14).</summary>
    public int PatchSize { get; init; } = 14;

    /// <summary>Side of the square pretraining image; the learned position embeddings cover its patch grid (518 -> 37 x 37).</summary>
    public int ImageSize { get; init; } = 518;

    /// <summary>Token width D.</summary>
    public int Width { get; init; } = 768;

    /// <summary>Number of transformer blocks.</summary>
    public int Depth { get; init; } = 12;

    /// <summary>Attention heads per block; must divide <see cref="Width"/>.</summary>
    public int Heads { get; init; } = 12;

    /// <summary>Feed-forward hidden width as a multiple of <see cref="Width"/>.</summary>
    public double MlpRatio { get; init; } = 4.0;

    /// <summary>Register tokens placed between the CLS token and the patch tokens (0 = none).</summary>
    public int RegisterCount { get; init; }

    /// <summary>Initial LayerScale gamma on both residual branches; <c>null</c> means no LayerScale.</summary>
    public double? LayerScaleInit { get; init; } = 1.0;

    /// <summary>Feed-forward network kind.</summary>
    public FeedForwardKind FeedForward { get; init; } = FeedForwardKind.Mlp;

    /// <summary>Stochastic-depth rate; block i drops its residual branches with probability rate x i / (depth - 1) in training.</summary>
    public double DropPathRate { get; init; }

    /// <summary>LayerNorm epsilon.</summary>
    public double LayerNormEps { get; init; } = 1e-6;

    /// <summary>Whether the fused qkv projection has a bias.</summary>
    public bool QkvBias { get; init; } = true;

    /// <summary>Interpolate position embeddings with antialiasing (DINOv2 <c>interpolate_antialias</c>; MaMA: true).</summary>
    public bool InterpolateAntialias { get; init; } = true;

    /// <summary>
    /// DINOv2 <c>interpolate_offset</c>: 0 interpolates to the target grid size; a positive value uses the scale
    /// factor (grid + offset) / pretraining grid instead (the original DINOv2 models use 0.1; MaMA uses 0).
    /// </summary>
    public double InterpolateOffset { get; init; }

    /// <summary>Side of the pretraining patch grid (<see cref="ImageSize"/> / <see cref="PatchSize"/>).</summary>
    public int GridSize => ImageSize / PatchSize;

    /// <summary>Per-head width.</summary>
    public int HeadDim => Width / Heads;

    /// <summary>Hidden width of the feed-forward network (after the SwiGLU 2/3 rounding where it applies).</summary>
    public long FeedForwardHidden
    {
        get
        {
            long hidden = (long)(Width * MlpRatio);
            return FeedForward == FeedForwardKind.SwiGlu ? ((long)(hidden * 2.0 / 3.0) + 7) / 8 * 8 : hidden;
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent field.</summary>
    public void Validate()
    {
        if (PatchSize <= 0) throw new ArgumentException($"PatchSize must be positive, got {PatchSize}.");
        if (ImageSize < PatchSize) throw new ArgumentException($"ImageSize {ImageSize} is smaller than PatchSize {PatchSize}.");
        if (Width <= 0 || Depth < 0 || Heads <= 0) throw new ArgumentException($"Width ({Width}) and Heads ({Heads}) must be positive and Depth ({Depth}) non-negative.");
        if (Width % Heads != 0) throw new ArgumentException($"Width {Width} is not divisible by Heads {Heads}.");
        if (MlpRatio <= 0) throw new ArgumentException($"MlpRatio must be positive, got {MlpRatio}.");
        if (RegisterCount < 0) throw new ArgumentException($"RegisterCount must be non-negative, got {RegisterCount}.");
        if (DropPathRate is < 0 or >= 1) throw new ArgumentException($"DropPathRate must be in [0, 1), got {DropPathRate}.");
        if (LayerNormEps <= 0) throw new ArgumentException($"LayerNormEps must be positive, got {LayerNormEps}.");
        if (InterpolateOffset < 0) throw new ArgumentException($"InterpolateOffset must be non-negative, got {InterpolateOffset}.");
    }

    /// <summary>
    /// Number of learnable parameters of <see cref="VisionTransformer"/> built from this config, computed from the
    /// shapes alone (nothing is allocated). Includes the (unused in forward) <c>mask_token</c>, as DINOv2 does.
    /// </summary>
    public long CountParameters()
    {
        long d = Width, h = FeedForwardHidden;
        long tokens = d /* cls */ + (1L + (long)GridSize * GridSize) * d /* pos */ + RegisterCount * d + d /* mask */;
        long patch = 3L * PatchSize * PatchSize * d + d;
        long attention = 3 * d * d + (QkvBias ? 3 * d : 0) + d * d + d;
        long feedForward = FeedForward == FeedForwardKind.SwiGlu
            ? d * 2 * h + 2 * h + h * d + d
            : d * h + h + h * d + d;
        long layerScale = LayerScaleInit is null ? 0 : 2 * d;
        long block = 2 * d + attention + 2 * d + feedForward + layerScale;
        return tokens + patch + Depth * block + 2 * d;
    }

    private static VisionTransformerConfig DinoV2(int width, int depth, int heads, int registers, FeedForwardKind ffn = FeedForwardKind.Mlp) => new()
    {
        Width = width,
        Depth = depth,
        Heads = heads,
        RegisterCount = registers,
        FeedForward = ffn,
        // As torch hub builds them: the register models interpolate with antialias and no offset, the originals
        // without antialias and with offset 0.1.
        InterpolateAntialias = registers > 0,
        InterpolateOffset = registers > 0 ? 0.0 : 0.1,
    };

    /// <summary>DINOv2 ViT-S/14 (384 wide, 12 blocks, 6 heads).</summary>
    public static VisionTransformerConfig DinoV2VitS14 => DinoV2(384, 12, 6, 0);
    /// <summary>DINOv2 ViT-S/14 with 4 registers.</summary>
    public static VisionTransformerConfig DinoV2VitS14Reg => DinoV2(384, 12, 6, 4);
    /// <summary>DINOv2 ViT-B/14 (768 wide, 12 blocks, 12 heads).</summary>
    public static VisionTransformerConfig DinoV2VitB14 => DinoV2(768, 12, 12, 0);
    /// <summary>DINOv2 ViT-B/14 with 4 registers: MaMA's image encoder.</summary>
    public static VisionTransformerConfig DinoV2VitB14Reg => DinoV2(768, 12, 12, 4);
    /// <summary>DINOv2 ViT-L/14 (1024 wide, 24 blocks, 16 heads).</summary>
    public static VisionTransformerConfig DinoV2VitL14 => DinoV2(1024, 24, 16, 0);
    /// <summary>DINOv2 ViT-L/14 with 4 registers.</summary>
    public static VisionTransformerConfig DinoV2VitL14Reg => DinoV2(1024, 24, 16, 4);
    /// <summary>DINOv2 ViT-g/14 (1536 wide, 40 blocks, 24 heads, SwiGLU).</summary>
    public static VisionTransformerConfig DinoV2VitG14 => DinoV2(1536, 40, 24, 0, FeedForwardKind.SwiGlu);
    /// <summary>DINOv2 ViT-g/14 with 4 registers.</summary>
    public static VisionTransformerConfig DinoV2VitG14Reg => DinoV2(1536, 40, 24, 4, FeedForwardKind.SwiGlu);

    /// <summary>A tiny model for tests: patch 14, 56 px (4 x 4 grid), width 64, 2 blocks, 4 heads, 2 registers.</summary>
    public static VisionTransformerConfig Tiny => new()
    {
        ImageSize = 56, Width = 64, Depth = 2, Heads = 4, RegisterCount = 2,
    };

    /// <summary><see cref="Tiny"/> with the SwiGLU feed-forward network.</summary>
    public static VisionTransformerConfig TinySwiGlu => Tiny with { FeedForward = FeedForwardKind.SwiGlu };

    /// <summary>Looks a preset up by its torch-hub name (<c>dinov2_vitb14_reg</c>, ...); <c>tiny</c> and <c>tiny_swiglu</c> too.</summary>
    public static VisionTransformerConfig FromName(string name) => name.Trim().ToLowerInvariant() switch
    {
        "dinov2_vits14" => DinoV2VitS14,
        "dinov2_vits14_reg" => DinoV2VitS14Reg,
        "dinov2_vitb14" => DinoV2VitB14,
        "dinov2_vitb14_reg" => DinoV2VitB14Reg,
        "dinov2_vitl14" => DinoV2VitL14,
        "dinov2_vitl14_reg" => DinoV2VitL14Reg,
        "dinov2_vitg14" => DinoV2VitG14,
        "dinov2_vitg14_reg" => DinoV2VitG14Reg,
        "tiny" => Tiny,
        "tiny_swiglu" => TinySwiGlu,
        _ => throw new ArgumentException($"Unknown vision transformer preset '{name}'.", nameof(name)),
    };
}
