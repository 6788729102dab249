using System.Text.RegularExpressions;

namespace MaMA.MLNet.Modeling.Weights;

/// <summary>
/// Maps DINOv2 torch-hub tensor names (this library's own names) to the Hugging Face <c>Dinov2Model</c> /
/// <c>Dinov2WithRegistersModel</c> names. The fused <c>attn.qkv</c> maps to three HF tensors (query, key, value)
/// that are concatenated along the output dimension.
/// </summary>
public static partial class Dinov2WeightNames
{
    /// <summary>The tensor whose presence identifies torch-hub naming.</summary>
    public const string HubPatchWeight = "patch_embed.proj.weight";

    /// <summary>The tensor whose presence identifies Hugging Face naming.</summary>
    public const string HuggingFacePatchWeight = "embeddings.patch_embeddings.projection.weight";

    [GeneratedRegex(@"^blocks\.(\d+)\.(.+)$")]
    private static partial Regex BlockName();

    /// <summary>The Hugging Face names whose concatenation (dim 0) gives the hub tensor <paramref name="hubName"/>; null when it has no counterpart.</summary>
    public static string[]? ToHuggingFace(string hubName)
    {
        switch (hubName)
        {
            case "cls_token": return ["embeddings.cls_token"];
            case "mask_token": return ["embeddings.mask_token"];
            case "pos_embed": return ["embeddings.position_embeddings"];
            case "register_tokens": return ["embeddings.register_tokens"];
            case "patch_embed.proj.weight": return [HuggingFacePatchWeight];
            case "patch_embed.proj.bias": return ["embeddings.patch_embeddings.projection.bias"];
            case "norm.weight": return ["layernorm.weight"];
            case "norm.bias": return ["layernorm.bias"];
        }
        var match = BlockName().Match(hubName);
        if (!match.Success) return null;
        string layer = $"encoder.layer.{match.Groups[1].Value}.";
        string rest = match.Groups[2].Value;
        string? suffix = rest.Split('.') is [.., var last] ? last : null;
        return rest switch
        {
            "attn.qkv.weight" or "attn.qkv.bias" =>
                [$"{layer}attention.attention.query.{suffix}", $"{layer}attention.attention.key.{suffix}", $"{layer}attention.attention.value.{suffix}"],
            "attn.proj.weight" or "attn.proj.bias" => [$"{layer}attention.output.dense.{suffix}"],
            "ls1.gamma" => [$"{layer}layer_scale1.lambda1"],
            "ls2.gamma" => [$"{layer}layer_scale2.lambda1"],
            "norm1.weight" or "norm1.bias" or "norm2.weight" or "norm2.bias" => [layer + rest],
            "mlp.fc1.weight" or "mlp.fc1.bias" or "mlp.fc2.weight" or "mlp.fc2.bias" => [layer + rest],
            "mlp.w12.weight" or "mlp.w12.bias" => [$"{layer}mlp.weights_in.{suffix}"],
            "mlp.w3.weight" or "mlp.w3.bias" => [$"{layer}mlp.weights_out.{suffix}"],
            _ => null,
        };
    }
}
