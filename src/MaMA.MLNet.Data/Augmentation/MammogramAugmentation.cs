using MaMA.MLNet.Imaging.Pixels;
using MaMA.MLNet.Imaging.Preprocessing;

namespace MaMA.MLNet.Data.Augmentation;

/// <summary>
/// Settings of the MaMA image augmentations (spec §5; reference <c>SimCLRTransform</c>). Defaults are the
/// reference's: resize to 518x518, RandomResizedCrop(518, scale 0.1-1.0, ratio 3/4-4/3), flips p 0.5,
/// colour jitter (0.8, 0.8, 0.8, 0.2) with p 0.8, grayscale p 0.2, Gaussian blur 7x7 sigma 0.1-2.0 with p 0.4.
/// </summary>
public sealed record AugmentationOptions
{
    /// <summary>Side of the square the (breast-cropped) image is first resized to.</summary>
    public int ResizeTo { get; init; } = 518;
    /// <summary>Side of the output.</summary>
    public int CropSize { get; init; } = 518;
    /// <summary>Smallest crop area fraction.</summary>
    public double MinScale { get; init; } = 0.1;
    /// <summary>Largest crop area fraction.</summary>
    public double MaxScale { get; init; } = 1.0;
    /// <summary>Smallest crop aspect ratio (width / height).</summary>
    public double MinRatio { get; init; } = 3.0 / 4.0;
    /// <summary>Largest crop aspect ratio.</summary>
    public double MaxRatio { get; init; } = 4.0 / 3.0;
    /// <summary>Horizontal flip probability.</summary>
    public double HorizontalFlipProbability { get; init; } = 0.5;
    /// <summary>Vertical flip probability.</summary>
    public double VerticalFlipProbability { get; init; } = 0.5;
    /// <summary>Probability of applying the colour jitter.</summary>
    public double JitterProbability { get; init; } = 0.8;
    /// <summary>Brightness jitter: factor uniform in [max(0, 1-b), 1+b].</summary>
    public double Brightness { get; init; } = 0.8;
    /// <summary>Contrast jitter: factor uniform in [max(0, 1-c), 1+c].</summary>
    public double Contrast { get; init; } = 0.8;
    /// <summary>Saturation jitter; drawn for parity with torchvision, a no-op on grayscale.</summary>
    public double Saturation { get; init; } = 0.8;
    /// <summary>Hue jitter; drawn for parity, a no-op on grayscale.</summary>
    public double Hue { get; init; } = 0.2;
    /// <summary>RandomGrayscale probability; drawn for parity, a no-op on grayscale.</summary>
    public double GrayscaleProbability { get; init; } = 0.2;
    /// <summary>Probability of the Gaussian blur.</summary>
    public double BlurProbability { get; init; } = 0.4;
    /// <summary>Blur kernel size (odd).</summary>
    public int BlurKernelSize { get; init; } = 7;
    /// <summary>Smallest blur sigma.</summary>
    public double MinBlurSigma { get; init; } = 0.1;
    /// <summary>Largest blur sigma.</summary>
    public double MaxBlurSigma { get; init; } = 2.0;
}

/// <summary>
/// The MaMA train and eval image transforms on a grayscale image in [0, 1], after the breast crop (which
/// belongs to the pixel preprocessing). Output values stay in [0, 1]; normalising to mean 0.5 / std 0.5 and
/// repeating to 3 channels come after. Every random choice comes from the <see cref="Random"/> passed in, in
/// a fixed order, so a seed reproduces an augmentation exactly.
/// </summary>
public sealed class MammogramAugmentation(AugmentationOptions? options = null)
{
    /// <summary>The settings.</summary>
    public AugmentationOptions Options { get; } = options ?? new AugmentationOptions();

    /// <summary>Train transform: resize, random resized crop, flips, jitter, (grayscale), blur.</summary>
    public FloatImage Train(FloatImage image, Random random)
    {
        var o = Options;
        FloatImage x = Resampler.Resize(image, o.ResizeTo, o.ResizeTo);
        PixelBox crop = RandomResizedCropSampler.Sample(x.Width, x.Height, random, o.MinScale, o.MaxScale, o.MinRatio, o.MaxRatio);
        x = Resampler.ResizeRegion(x, crop, o.CropSize, o.CropSize);
        if (random.NextDouble() < o.HorizontalFlipProbability) x = ImageOperations.FlipHorizontal(x);
        if (random.NextDouble() < o.VerticalFlipProbability) x = ImageOperations.FlipVertical(x);
        if (random.NextDouble() < o.JitterProbability) x = ColorJitter(x, random);
        _ = random.NextDouble() < o.GrayscaleProbability; // RandomGrayscale: the image is already gray
        if (random.NextDouble() < o.BlurProbability)
            x = PixelOps.GaussianBlur(x, o.BlurKernelSize, o.MinBlurSigma + (o.MaxBlurSigma - o.MinBlurSigma) * random.NextDouble());
        return x;
    }

    /// <summary>Eval transform: resize to the square, centre crop.</summary>
    public FloatImage Eval(FloatImage image)
    {
        FloatImage x = Resampler.Resize(image, Options.ResizeTo, Options.ResizeTo);
        return Options.CropSize == Options.ResizeTo ? x : ImageOperations.CenterCrop(x, Options.CropSize, Options.CropSize);
    }

    /// <summary>
    /// torchvision <c>ColorJitter</c>: the four operations in a random order, each with a uniform factor.
    /// Saturation and hue leave a gray image unchanged, so only brightness and contrast act, but all four
    /// factors are drawn.
    /// </summary>
    private FloatImage ColorJitter(FloatImage image, Random random)
    {
        var o = Options;
        int[] order = [0, 1, 2, 3];
        random.Shuffle(order);
        double brightness = Factor(random, o.Brightness);
        double contrast = Factor(random, o.Contrast);
        _ = Factor(random, o.Saturation);
        _ = -o.Hue + 2 * o.Hue * random.NextDouble();
        foreach (int op in order)
        {
            if (op == 0) image = PixelOps.AdjustBrightness(image, brightness);
            else if (op == 1) image = PixelOps.AdjustContrast(image, contrast);
        }
        return image;
    }

    private static double Factor(Random random, double strength)
    {
        double lo = Math.Max(0, 1 - strength), hi = 1 + strength;
        return lo + (hi - lo) * random.NextDouble();
    }
}
