namespace MaMA.MLNet.Modeling.Vision;

/// <summary>Which network encodes the images of a <see cref="MaMA.MaMAConfig"/>.</summary>
public enum ImageEncoderKind
{
    /// <summary>The DINOv2 vision transformer of the paper (<see cref="MaMA.MaMAConfig.Vision"/>); the default.</summary>
    VisionTransformer,

    /// <summary>A torchvision-architecture ResNet (<see cref="MaMA.MaMAConfig.ResNet"/>), e.g. ML.NET's ImageNet ResNet18.</summary>
    ResNet,
}
