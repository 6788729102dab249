namespace MaMA.MLNet.Onnx.Text;

/// <summary>
/// The shape of a GPT-2-architecture text encoder (BioMedLM for MaMA) and how its output is pooled. Weights
/// are read by Hugging Face <c>GPT2Model</c> names without the <c>transformer.</c> prefix, Linear layout
/// [out, in], and checked against these numbers.
/// </summary>
public sealed record Gpt2ExportConfig
{
    /// <summary>Hidden width D (2560 for BioMedLM).</summary>
    public required int EmbedDim { get; init; }

    /// <summary>Number of blocks (32 for BioMedLM).</summary>
    public required int Depth { get; init; }

    /// <summary>Number of attention heads; must divide <see cref="EmbedDim"/>.</summary>
    public required int NumHeads { get; init; }

    /// <summary>Rows of the token embedding <c>wte</c>.</summary>
    public required int VocabSize { get; init; }

    /// <summary>Rows of the position embedding <c>wpe</c>: the longest sequence the graph accepts.</summary>
    public required int MaxPositions { get; init; }

    /// <summary>MLP hidden width; null means 4 x <see cref="EmbedDim"/>.</summary>
    public int? MlpHiddenDim { get; init; }

    /// <summary>LayerNorm epsilon (1e-5 in GPT-2).</summary>
    public double LayerNormEps { get; init; } = 1e-5;

    /// <summary>
    /// LoRA alpha; the update B A is scaled by alpha / r (r read from <c>lora_A</c>) and merged into
    /// <c>c_attn</c>. Required when LoRA weights are present.
    /// </summary>
    public double? LoraAlpha { get; init; }

    /// <summary>How hidden states are pooled into the text feature.</summary>
    public TextPooling Pooling { get; init; } = TextPooling.MaskedMean;

    /// <summary>The MLP hidden width in effect.</summary>
    public int HiddenDim => MlpHiddenDim ?? 4 * EmbedDim;

    /// <summary>Checks that the numbers fit together.</summary>
    /// <exception cref="OnnxExportException">A number is out of range.</exception>
    public void Validate()
    {
        if (EmbedDim <= 0 || Depth <= 0 || NumHeads <= 0 || VocabSize <= 0 || MaxPositions <= 0 || HiddenDim <= 0)
            throw new OnnxExportException($"GPT-2 configuration {this}: sizes must be positive.");
        if (EmbedDim % NumHeads != 0)
            throw new OnnxExportException($"GPT-2 configuration: embed dim {EmbedDim} is not divisible by {NumHeads} heads.");
        if (!(LayerNormEps > 0)) throw new OnnxExportException($"GPT-2 configuration: LayerNorm epsilon {LayerNormEps} must be positive.");
        if (LoraAlpha is { } alpha && !(alpha > 0 && double.IsFinite(alpha)))
            throw new OnnxExportException($"GPT-2 configuration: LoRA alpha {alpha} must be positive and finite.");
    }
}
