namespace MaMA.MLNet.Modeling.Vision;

/// <summary>
/// Shape and input convention of a torchvision-architecture ResNet with basic blocks (ResNet18: 2-2-2-2, ResNet34:
/// 3-4-6-3, ML.NET's "ResNet18": 2-2-2-3). The network reads the MaMA pipeline's images (normalised to mean 0.5 / std 0.5, grey repeated in three
/// channels) and maps them to its own input convention first: back to [0, 1], times <see cref="PixelScale"/>,
/// channels reversed if <see cref="ReverseChannels"/>, minus <see cref="PixelMean"/>, divided by <see cref="PixelStd"/>.
/// </summary>
public sealed record ResNetConfig
{
    /// <summary>The total stride of the network: an input side must be a multiple of it.</summary>
    public const int Stride = 32;

    /// <summary>Side of the square training image (ImageNet: 224, giving a 7 x 7 last feature map).</summary>
    public int ImageSize { get; init; } = 224;

    /// <summary>Basic blocks per stage (default torchvision's ResNet18, 2-2-2-2).</summary>
    public ResNetStages Stages { get; init; } = ResNetStages.ResNet18;

    /// <summary>Channels of the stem; the four stages have 1, 2, 4 and 8 times as many.</summary>
    public int StemWidth { get; init; } = 64;

    /// <summary>Batch-norm epsilon.</summary>
    public double BatchNormEps { get; init; } = 1e-5;

    /// <summary>What [0, 1] intensities are multiplied by before the mean is taken off (CNTK/ML.NET ResNets: 255; torchvision: 1).</summary>
    public double PixelScale { get; init; } = 1.0;

    /// <summary>Whether the network reads BGR (CNTK/ML.NET: true): for grey images the channels are equal, so only colour input differs.</summary>
    public bool ReverseChannels { get; init; }

    /// <summary>Per-channel mean in the network's channel order and scale (torchvision: ImageNet's 0.485, 0.456, 0.406).</summary>
    public ChannelValues PixelMean { get; init; } = new(0.485, 0.456, 0.406);

    /// <summary>Per-channel standard deviation in the network's channel order and scale (torchvision: 0.229, 0.224, 0.225).</summary>
    public ChannelValues PixelStd { get; init; } = new(0.229, 0.224, 0.225);

    /// <summary>Channels of the last feature map (the pooled feature's width).</summary>
    public int Width => StemWidth * 8;

    /// <summary>Basic blocks in each of the four stages.</summary>
    public IReadOnlyList<int> BlocksPerStage => Stages.ToArray();

    /// <summary>Weighted layers: the convolutions on the main path plus the classifier a full network would have (ResNet18: 18).</summary>
    public int Depth => 2 * BlocksPerStage.Sum() + 2;

    /// <summary>
    /// ML.NET's ImageNet ResNet18 (<c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c>, converted from CNTK): its last
    /// stage has three blocks, not two (2-2-2-3; the graph has 5 convolutions of 512 channels), and it reads BGR in
    /// [0, 255] minus a mean image. The mean here is that mean image's average per channel (B 103.06, G 115.90,
    /// R 123.15; within the mean image's own spread of 3-6 grey levels per pixel), so any image size works.
    /// </summary>
    public static ResNetConfig ResNet18ImageNet => new()
    {
        Stages = new(2, 2, 2, 3),
        ImageSize = 224,
        PixelScale = 255,
        ReverseChannels = true,
        PixelMean = new(103.0626, 115.9029, 123.1516),
        PixelStd = new(1, 1, 1),
    };

    /// <summary>Parameters of the network (convolutions and batch-norm affines; running statistics are buffers).</summary>
    public long CountParameters()
    {
        long count = 3L * StemWidth * 49 + 2 * StemWidth;
        long inputs = StemWidth;
        for (int stage = 0; stage < 4; stage++)
        {
            long width = (long)StemWidth << stage;
            for (int block = 0; block < BlocksPerStage[stage]; block++)
            {
                count += inputs * width * 9 + 2 * width + width * width * 9 + 2 * width;
                if (block == 0 && (stage > 0 || inputs != width)) count += inputs * width + 2 * width;
                inputs = width;
            }
        }
        return count;
    }

    /// <summary>Checks every value.</summary>
    /// <exception cref="ArgumentException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        if (Stages is null || !Stages.ToArray().All(n => n > 0)) throw new ArgumentException($"ResNetConfig.Stages must have at least one block per stage, got {Stages}.");
        if (ImageSize <= 0 || ImageSize % Stride != 0)
            throw new ArgumentException($"ResNetConfig.ImageSize must be a positive multiple of {Stride}, got {ImageSize}.");
        if (StemWidth <= 0) throw new ArgumentException($"ResNetConfig.StemWidth must be positive, got {StemWidth}.");
        if (!(BatchNormEps > 0)) throw new ArgumentException($"ResNetConfig.BatchNormEps must be positive, got {BatchNormEps}.");
        if (!(PixelScale > 0) || !double.IsFinite(PixelScale)) throw new ArgumentException($"ResNetConfig.PixelScale must be positive, got {PixelScale}.");
        if (PixelMean is null || PixelStd is null) throw new ArgumentException("ResNetConfig needs PixelMean and PixelStd.");
        if (!PixelMean.All(double.IsFinite)) throw new ArgumentException($"ResNetConfig.PixelMean must be finite, got {PixelMean}.");
        if (!PixelStd.All(s => s > 0 && double.IsFinite(s))) throw new ArgumentException($"ResNetConfig.PixelStd must be positive, got {PixelStd}.");
    }
}
