namespace MaMA.MLNet.Modeling.MaMA;

/// <summary>
/// Where <see cref="MaMAModel.FromPretrained(MaMAPretrainedOptions)"/> finds the public weights a MaMA model starts from, and the MaMA
/// settings that are not in those files.
/// </summary>
public sealed record MaMAPretrainedOptions
{
    /// <summary>
    /// The DINOv2 image weights: a torch-hub file (<c>dinov2_vitb14_reg4_pretrain.pth</c>), a bare safetensors file
    /// (torch-hub or Hugging Face names), or a Hugging Face <c>Dinov2Model</c> / <c>Dinov2WithRegistersModel</c>
    /// folder (<c>config.json</c> + <c>model.safetensors</c> or <c>pytorch_model.bin</c>). Files without a config are
    /// read by their tensor shapes. Not needed with <see cref="MaMACheckpoint"/>.
    /// </summary>
    public string? ImageWeights { get; init; }

    /// <summary>
    /// A Hugging Face GPT-2-architecture folder (GPT-2, BioMedLM): <c>config.json</c>, <c>model.safetensors</c> or
    /// <c>pytorch_model.bin</c>, and <c>vocab.json</c> + <c>merges.txt</c> or <c>tokenizer.json</c>. With
    /// <see cref="MaMACheckpoint"/> only its config and tokenizer are read.
    /// </summary>
    public required string TextModel { get; init; }

    /// <summary>
    /// A checkpoint of the reference implementation (XYPB/MaMA Lightning <c>.ckpt</c>, or its state dict): the whole
    /// model comes from it instead of the public weights, with the reference's text pooling
    /// (<see cref="Text.TextPooling.PaddedMean"/>) and SimCLR head, so it embeds as the reference does.
    /// </summary>
    public string? MaMACheckpoint { get; init; }

    /// <summary>
    /// The MaMA settings outside the encoders' files: embedding size, local head width, LoRA, text pooling, caption
    /// length, the frozen base's dtype (default <see cref="MaMAConfig.MaMABase"/>). Its encoder configurations are
    /// replaced by the ones read from the files.
    /// </summary>
    public MaMAConfig Template { get; init; } = MaMAConfig.MaMABase;

    /// <summary>The model's image size in pixels (position embeddings are interpolated to its grid); null: the weights' own (518 for DINOv2).</summary>
    public int? ImageSize { get; init; }

    /// <summary>Seed of the fresh parts (added embedding rows, LoRA A matrices, heads).</summary>
    public long Seed { get; init; } = 42;
}
