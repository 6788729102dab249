using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Vision;
using MaMA.MLNet.Onnx.Weights;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// The <c>--image-encoder</c> choice of <c>mama model init</c> and <c>mama demo</c>: <c>vit</c> (the config's own
/// DINOv2 ViT) or <c>resnet18-imagenet</c> (ML.NET's ImageNet ResNet18, weights from the ONNX file the tool carries
/// in <c>DnnImageModels/ResNet18Onnx/</c>).
/// </summary>
internal static class ImageEncoderChoice
{
    public const string Vit = "vit";
    public const string ResNet18ImageNet = "resnet18-imagenet";

    public static readonly string[] Names = [Vit, ResNet18ImageNet];

    public static string Description => $"Image encoder: {Vit} (the preset's DINOv2 ViT) or {ResNet18ImageNet} (ML.NET's ImageNet ResNet18 with its packaged weights).";

    /// <summary>The config with the chosen encoder; null name keeps the config's own. False for an unknown name.</summary>
    public static bool TryApply(MaMAConfig config, string? name, out MaMAConfig result)
    {
        result = config;
        switch ((name ?? "").Trim().ToLowerInvariant())
        {
            case "":
                return true;
            case Vit:
                result = config with { ImageEncoder = ImageEncoderKind.VisionTransformer, ResNet = null };
                return true;
            case ResNet18ImageNet:
                result = config with { ImageEncoder = ImageEncoderKind.ResNet, ResNet = ResNetConfig.ResNet18ImageNet };
                return true;
            default:
                return false;
        }
    }

    /// <summary>Whether a model of <paramref name="config"/> starts from the packaged ImageNet ResNet18 weights.</summary>
    public static bool UsesPackagedResNet18(MaMAConfig config) => ResNetOnnxWeights.FitsPackagedResNet18(config);

    /// <summary>The packaged ResNet18 ONNX file next to the tool.</summary>
    /// <exception cref="FileNotFoundException">The tool was built without it.</exception>
    public static string PackagedResNet18() => ResNetOnnxWeights.FindPackagedResNet18()
        ?? throw new FileNotFoundException(
            $"ML.NET's ResNet18 weights ({ResNetOnnxWeights.PackagedResNet18RelativePath}) are not next to the tool; reinstall it or build it from the repository.");
}
