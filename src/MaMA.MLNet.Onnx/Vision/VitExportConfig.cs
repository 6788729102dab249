namespace MaMA.MLNet.Onnx.Vision;

/// <summary>
/// The shape of a DINOv2-style ViT image encoder and the image size the exported graph takes. The weights
/// are read by DINOv2 torch-hub names and checked against these numbers; the pretraining grid is read from
/// the shape of <c>pos_embed</c>.
/// </summary>
public sealed record VitExportConfig
{
    /// <summary>Token width D (768 for ViT-B).</summary>
    public required int EmbedDim { get; init; }

    /// <summary>Number of transformer blocks (12 for ViT-B).</summary>
    public required int Depth { get; init; }

    /// <summary>Number of attention heads; must divide <see cref="EmbedDim"/>.</summary>
    public required int NumHeads { get; init; }

    /// <summary>Patch side in pixels (14 for DINOv2).</summary>
    public int PatchSize { get; init; } = 14;

    /// <summary>Register tokens R (4 for MaMA's <c>dinov2_vitb14_reg</c>; 0 for none).</summary>
    public int RegisterCount { get; init; }

    /// <summary>MLP hidden width; null means 4 x <see cref="EmbedDim"/>.</summary>
    public int? MlpHiddenDim { get; init; }

    /// <summary>Whether blocks carry LayerScale gammas (<c>ls1.gamma</c>, <c>ls2.gamma</c>).</summary>
    public bool LayerScale { get; init; } = true;

    /// <summary>LayerNorm epsilon (1e-6 in DINOv2).</summary>
    public double LayerNormEps { get; init; } = 1e-6;

    /// <summary>Input image height in pixels; a multiple of <see cref="PatchSize"/>.</summary>
    public required int ImageHeight { get; init; }

    /// <summary>Input image width in pixels; a multiple of <see cref="PatchSize"/>.</summary>
    public required int ImageWidth { get; init; }

    /// <summary>Per-channel normalisation mean the model expects (recorded in the metadata only).</summary>
    public float PixelMean { get; init; } = 0.5f;

    /// <summary>Per-channel normalisation standard deviation the model expects (recorded in the metadata only).</summary>
    public float PixelStd { get; init; } = 0.5f;

    /// <summary>The MLP hidden width in effect.</summary>
    public int HiddenDim => MlpHiddenDim ?? 4 * EmbedDim;

    /// <summary>Patch rows of the input image.</summary>
    public int GridHeight => ImageHeight / PatchSize;

    /// <summary>Patch columns of the input image.</summary>
    public int GridWidth => ImageWidth / PatchSize;

    /// <summary>Patch tokens per image.</summary>
    public int PatchCount => GridHeight * GridWidth;

    /// <summary>Checks that the numbers fit together.</summary>
    /// <exception cref="OnnxExportException">A number is out of range or the image is not a whole number of patches.</exception>
    public void Validate()
    {
        if (EmbedDim <= 0 || Depth <= 0 || NumHeads <= 0 || PatchSize <= 0 || RegisterCount < 0 || HiddenDim <= 0)
            throw new OnnxExportException($"ViT configuration {this}: sizes must be positive (registers not negative).");
        if (EmbedDim % NumHeads != 0)
            throw new OnnxExportException($"ViT configuration: embed dim {EmbedDim} is not divisible by {NumHeads} heads.");
        if (ImageHeight <= 0 || ImageWidth <= 0 || ImageHeight % PatchSize != 0 || ImageWidth % PatchSize != 0)
            throw new OnnxExportException(
                $"ViT configuration: image {ImageHeight}x{ImageWidth} is not a positive whole number of {PatchSize}-pixel patches.");
        if (!(LayerNormEps > 0)) throw new OnnxExportException($"ViT configuration: LayerNorm epsilon {LayerNormEps} must be positive.");
        if (!(PixelStd > 0)) throw new OnnxExportException($"ViT configuration: pixel std {PixelStd} must be positive.");
    }
}
