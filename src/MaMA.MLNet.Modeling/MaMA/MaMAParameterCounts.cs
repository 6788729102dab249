namespace MaMA.MLNet.Modeling.MaMA;

/// <summary>
/// Parameter counts of a <see cref="MaMAModel"/>, computed from its configuration alone (nothing is allocated,
/// so the 2.7B-parameter configuration answers instantly). Batch-norm running statistics are buffers, not
/// parameters, and are not counted.
/// </summary>
/// <param name="ImageEncoder">The DINOv2 ViT (including the unused mask token, as DINOv2 counts it).</param>
/// <param name="ImageProjections">Image global projection (with its optional feature norm) + local head.</param>
/// <param name="SimClrHead">The SimCLR head of the multi-view loss.</param>
/// <param name="TextEncoder">The GPT-2 base with the resized vocabulary, without LoRA.</param>
/// <param name="Lora">LoRA adapters (0 without LoRA).</param>
/// <param name="TextProjections">Text global projection + local head.</param>
/// <param name="Scales">The two log scales.</param>
/// <param name="Trainable">
/// Parameters that require a gradient in a fresh model: everything except the ViT's mask token and final norm
/// (frozen, as in the reference) and, with LoRA, the frozen text base.
/// </param>
public sealed record MaMAParameterCounts(
    long ImageEncoder, long ImageProjections, long SimClrHead, long TextEncoder, long Lora, long TextProjections, long Scales, long Trainable)
{
    /// <summary>All parameters.</summary>
    public long Total => ImageEncoder + ImageProjections + SimClrHead + TextEncoder + Lora + TextProjections + Scales;

    /// <summary>Counts for <paramref name="config"/>.</summary>
    public static MaMAParameterCounts FromConfig(MaMAConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        long d = config.ImageFeatureWidth, t = config.Text.Width, e = config.EmbeddingSize, h = config.LocalProjectionHidden;
        bool resNet = config.ImageEncoder == Vision.ImageEncoderKind.ResNet;
        long vit = resNet ? config.ResNet!.CountParameters() : config.Vision.CountParameters();
        long imageProjections = Linear(d, e) + LocalHead(d, h, e) + (config.GlobalImageFeatureNorm ? 2 * d : 0);
        long simclr = d * d + 2 * d + d * e + (config.SimClrOutputBatchNorm ? 2 * e : e);
        long text = config.ResizedText.CountParameters();
        long lora = config.Lora?.CountParameters(config.ResizedText) ?? 0;
        long textProjections = Linear(t, e) + LocalHead(t, h, e);
        const long scales = 2;
        long frozenImage = resNet ? 0 : d /* mask_token */ + 2 * d /* final norm */;
        long trainable = vit - frozenImage + imageProjections + simclr + (config.Lora is null ? text : lora) + textProjections + scales;
        return new MaMAParameterCounts(vit, imageProjections, simclr, text, lora, textProjections, scales, trainable);
    }

    private static long Linear(long input, long output) => input * output + output;

    // Conv1d(in -> hidden, k 1) + BatchNorm1d(hidden) + Conv1d(hidden -> out, k 1) + BatchNorm1d(out, affine false).
    private static long LocalHead(long input, long hidden, long output) => Linear(input, hidden) + 2 * hidden + Linear(hidden, output);
}
