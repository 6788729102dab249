using MaMA.MLNet.Data.Augmentation;
using MaMA.MLNet.Data.Pairing;
using MaMA.MLNet.Modeling.Tokenization;

namespace MaMA.MLNet.Training.MaMA;

/// <summary>Settings of <see cref="MaMATrainingData"/>; defaults follow the reference.</summary>
public sealed record MaMATrainingDataOptions
{
    /// <summary>Side of the square model input in pixels (the model's <c>MaMAConfig.ImageSize</c>: MaMA's ViT 518, the ResNet preset 224).</summary>
    public int ImageSize { get; init; } = 518;

    /// <summary>Probability that each metadata field of a caption reads "unknown" (MaMA: 0.8), drawn anew each time.</summary>
    public double MaskProbability { get; init; } = 0.8;

    /// <summary>Whether batches carry a second view (needed by the multi-view losses).</summary>
    public bool SecondView { get; init; } = true;

    /// <summary>Where the second view comes from (MaMA: any other image of the study).</summary>
    public SecondViewScope SecondViewScope { get; init; } = SecondViewScope.SameStudy;

    /// <summary>Probability of taking another image rather than augmenting the same one twice (MaMA: 0.5).</summary>
    public double OtherImageProbability { get; init; } = 0.5;

    /// <summary>
    /// Train augmentations; null = MaMA's (RandomResizedCrop 0.1-1, flips, jitter, blur) at <see cref="ImageSize"/>.
    /// Its <c>ResizeTo</c> and <c>CropSize</c> are always set to <see cref="ImageSize"/>.
    /// </summary>
    public AugmentationOptions? Augmentation { get; init; }

    /// <summary>Keep every decoded, cropped and resized image in memory (worth it for small sets such as the phantom).</summary>
    public bool CacheImages { get; init; } = true;

    /// <summary>Caption length in tokens (MaMA: 144).</summary>
    public int TextLength { get; init; } = MaMATokenizer.CaptionLength;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        if (ImageSize < 1) throw new ArgumentException($"MaMA data option ImageSize must be positive, got {ImageSize}.", nameof(ImageSize));
        if (MaskProbability is < 0 or > 1 || double.IsNaN(MaskProbability))
            throw new ArgumentException($"MaMA data option MaskProbability must be in [0, 1], got {MaskProbability}.", nameof(MaskProbability));
        if (OtherImageProbability is < 0 or > 1 || double.IsNaN(OtherImageProbability))
            throw new ArgumentException($"MaMA data option OtherImageProbability must be in [0, 1], got {OtherImageProbability}.", nameof(OtherImageProbability));
        if (TextLength < 2) throw new ArgumentException($"MaMA data option TextLength must be at least 2 (bos and eos), got {TextLength}.", nameof(TextLength));
    }
}
