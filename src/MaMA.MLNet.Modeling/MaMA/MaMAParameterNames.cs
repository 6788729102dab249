namespace MaMA.MLNet.Modeling.MaMA;

/// <summary>
/// Where each part of a <see cref="MaMAModel"/> sits in its state dict. The image and text prefixes are the
/// reference's (<c>img_encoder_q.*</c>, <c>text_encoder_q.*</c>, <c>simclr_proj.*</c>), so a reference checkpoint
/// maps on by name except for the PEFT/Hugging Face wrapping of the text model and the two scales.
/// Use the prefixes with the ONNX exporter's <c>WeightSet</c> over <c>model.state_dict()</c>.
/// </summary>
public static class MaMAParameterNames
{
    /// <summary>The DINOv2 ViT (torch-hub names follow).</summary>
    public const string ImageBackbone = "img_encoder_q.model.";

    /// <summary>The image global projection layer (<c>.weight</c> [E, D], <c>.bias</c> [E]).</summary>
    public const string ImageGlobalProjection = "img_encoder_q.global_embed";

    /// <summary>The optional BatchNorm1d on the pooled image feature (<see cref="MaMAConfig.GlobalImageFeatureNorm"/>; not in the reference).</summary>
    public const string ImageGlobalNorm = "img_encoder_q.global_norm";

    /// <summary>The image local projection head (<c>head.0/1/3/4.*</c> follow).</summary>
    public const string ImageLocalProjection = "img_encoder_q.local_embed.";

    /// <summary>The GPT-2 text encoder (Hugging Face GPT2Model names without <c>transformer.</c>; LoRA as <c>lora_A.weight</c>).</summary>
    public const string TextBackbone = "text_encoder_q.model.";

    /// <summary>The text global projection layer.</summary>
    public const string TextGlobalProjection = "text_encoder_q.global_embed";

    /// <summary>The text local projection head.</summary>
    public const string TextLocalProjection = "text_encoder_q.local_embed.";

    /// <summary>The SimCLR projection head of the multi-view loss.</summary>
    public const string SimClrHead = "simclr_proj.";

    /// <summary>The log scale of the global CLIP losses (the reference's top-level <c>logit_scale</c>).</summary>
    public const string LogitScale = "scales.logit_scale";

    /// <summary>The log scale of the local alignment loss (the reference's top-level <c>local_scale</c>).</summary>
    public const string LocalScale = "scales.local_scale";
}
