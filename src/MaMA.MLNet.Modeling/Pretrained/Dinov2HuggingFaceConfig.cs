using MaMA.MLNet.Modeling.Vision;
using MaMA.MLNet.Modeling.Weights;

namespace MaMA.MLNet.Modeling.Pretrained;

/// <summary>
/// Reads the <c>config.json</c> of a Hugging Face <c>Dinov2Model</c> (<c>model_type</c> <c>dinov2</c>) or
/// <c>Dinov2WithRegistersModel</c> (<c>dinov2_with_registers</c>) into a <see cref="VisionTransformerConfig"/>:
/// <c>hidden_size</c>, <c>num_hidden_layers</c>, <c>num_attention_heads</c>, <c>mlp_ratio</c>, <c>image_size</c>,
/// <c>patch_size</c>, <c>num_register_tokens</c>, <c>layerscale_value</c>, <c>use_swiglu_ffn</c>,
/// <c>layer_norm_eps</c>, <c>qkv_bias</c>, <c>drop_path_rate</c>. Position-embedding interpolation follows the
/// torch-hub models of the same kind (register models: antialias, no offset; the originals: offset 0.1).
/// </summary>
public static class Dinov2HuggingFaceConfig
{
    /// <summary>Reads <paramref name="configJsonPath"/>.</summary>
    /// <exception cref="WeightLoadException">The file is missing, malformed, of another model type, or describes an invalid model.</exception>
    public static VisionTransformerConfig Read(string configJsonPath)
    {
        var file = HuggingFaceConfigFile.Read(configJsonPath);
        if (file.ModelType is { } type && type is not ("dinov2" or "dinov2_with_registers"))
            throw new WeightLoadException($"Hugging Face config '{configJsonPath}' is for model_type '{type}', not DINOv2 ('dinov2' or 'dinov2_with_registers').");
        if (file.OptionalInt("num_channels") is { } channels && channels != 3)
            throw new WeightLoadException($"Hugging Face config '{configJsonPath}': num_channels {channels} is not supported (3).");
        var defaults = new VisionTransformerConfig();
        int registers = file.OptionalInt("num_register_tokens") ?? 0;
        var config = new VisionTransformerConfig
        {
            Width = file.RequiredInt("hidden_size"),
            Depth = file.RequiredInt("num_hidden_layers"),
            Heads = file.RequiredInt("num_attention_heads"),
            MlpRatio = file.OptionalDouble("mlp_ratio") ?? defaults.MlpRatio,
            ImageSize = file.OptionalInt("image_size") ?? defaults.ImageSize,
            PatchSize = file.OptionalInt("patch_size") ?? defaults.PatchSize,
            RegisterCount = registers,
            LayerScaleInit = file.OptionalDouble("layerscale_value") ?? 1.0,
            FeedForward = file.OptionalBool("use_swiglu_ffn") == true ? FeedForwardKind.SwiGlu : FeedForwardKind.Mlp,
            LayerNormEps = file.OptionalDouble("layer_norm_eps") ?? defaults.LayerNormEps,
            QkvBias = file.OptionalBool("qkv_bias") ?? true,
            DropPathRate = file.OptionalDouble("drop_path_rate") ?? 0.0,
            InterpolateAntialias = registers > 0,
            InterpolateOffset = registers > 0 ? 0.0 : 0.1,
        };
        try { config.Validate(); }
        catch (ArgumentException e) { throw file.Invalid(e); }
        return config;
    }
}
