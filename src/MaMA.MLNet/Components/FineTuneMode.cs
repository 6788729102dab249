namespace MaMA.MLNet.Components;

/// <summary>What <see cref="FineTuneEstimator"/> trains.</summary>
public enum FineTuneMode
{
    /// <summary>The image encoder stays frozen; only a linear head on the pooled image feature (ViT or ResNet) is trained.</summary>
    LinearProbe,

    /// <summary>The image encoder's backbone and the linear head are trained together.</summary>
    FullFineTune,
}
