using MaMA.MLNet.Imaging.Pixels;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace MaMA.MLNet.Imaging.Preprocessing;

/// <summary>
/// From a decoded mammogram to the model input (spec §5, the reference's eval transform): render to [0, 1],
/// resize the long side (offline step of the reference), Otsu crop to the breast, optional mirroring so the
/// breast lies on the left, square resize and centre crop, then normalise and repeat to 3 channels (CHW).
/// Thread-safe: it holds only its immutable options.
/// </summary>
public sealed class MammogramPreprocessor
{
    /// <summary>Creates a preprocessor.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public MammogramPreprocessor(PreprocessingOptions? options = null)
    {
        Options = options ?? PreprocessingOptions.Default;
        Options.Validate();
    }

    /// <summary>The settings.</summary>
    public PreprocessingOptions Options { get; }

    /// <summary>Number of floats <see cref="Preprocess(Mammogram)"/> returns: 3 * ImageSize * ImageSize.</summary>
    public int OutputLength => 3 * Options.ImageSize * Options.ImageSize;

    /// <summary>The model input: (3, ImageSize, ImageSize) channel-major, normalised with Mean and Std.</summary>
    public float[] Preprocess(Mammogram mammogram)
    {
        FloatImage image = PrepareImage(mammogram);
        return ImageOperations.ToNormalizedChw(image, Options.Mean, Options.Std);
    }

    /// <summary>Writes the model input into <paramref name="destination"/> (length <see cref="OutputLength"/>).</summary>
    public void Preprocess(Mammogram mammogram, Span<float> destination)
    {
        FloatImage image = PrepareImage(mammogram);
        ImageOperations.ToNormalizedChw(image, Options.Mean, Options.Std, destination);
    }

    /// <summary>The single-channel [0, 1] image at ImageSize x ImageSize, before normalisation.</summary>
    public FloatImage PrepareImage(Mammogram mammogram)
    {
        ArgumentNullException.ThrowIfNull(mammogram);
        FloatImage display = GrayscaleRenderer.Render(mammogram.Frame, mammogram.Presentation, Options.Render);
        return PrepareImage(display, mammogram.Header.Laterality);
    }

    /// <summary>The single-channel [0, 1] image at ImageSize x ImageSize from an already rendered display image.</summary>
    public FloatImage PrepareImage(FloatImage display, Laterality laterality = Laterality.Unknown)
    {
        ArgumentNullException.ThrowIfNull(display);
        FloatImage image = ResizeLongSide(display);

        if (Options.CropToBreast || Options.AlignOrientation)
        {
            BreastRegion region = BreastRegion.Find(image);
            bool flip = Options.AlignOrientation && ShouldFlip(region, laterality);
            if (Options.CropToBreast && region.Box is { } box) image = ImageOperations.Crop(image, box);
            if (flip) image = ImageOperations.FlipHorizontal(image);
        }
        return ToSquare(image);
    }

    /// <summary>Reads, preprocesses and writes the single-channel image (before normalisation) as a 16-bit grayscale PNG.</summary>
    public void ToPng16(Mammogram mammogram, string outputPath) => WritePng16(PrepareImage(mammogram), outputPath);

    /// <summary>Writes a [0, 1] image as a 16-bit grayscale PNG (value * 65535, rounded; outside [0, 1] clamped).</summary>
    public static void WritePng16(FloatImage image, string outputPath)
    {
        ArgumentNullException.ThrowIfNull(outputPath);
        using FileStream stream = File.Create(outputPath);
        WritePng16(image, stream);
    }

    /// <summary>Writes a [0, 1] image as a 16-bit grayscale PNG to <paramref name="stream"/>.</summary>
    public static void WritePng16(FloatImage image, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(stream);
        var pixels = new L16[image.Pixels.Length];
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = new L16((ushort)MathF.Round(Math.Clamp(image.Pixels[i], 0f, 1f) * 65535f));
        using Image<L16> png = Image.LoadPixelData<L16>(pixels, image.Width, image.Height);
        png.Save(stream, new PngEncoder { BitDepth = PngBitDepth.Bit16, ColorType = PngColorType.Grayscale });
    }

    private FloatImage ResizeLongSide(FloatImage image)
    {
        int longSide = Options.LongSide;
        int current = Math.Max(image.Width, image.Height);
        if (longSide == 0 || current == longSide) return image;
        double scale = (double)longSide / current;
        int width = Math.Max(1, (int)Math.Round(image.Width * scale));
        int height = Math.Max(1, (int)Math.Round(image.Height * scale));
        return Resampler.Resize(image, width, height, Options.Filter);
    }

    private bool ShouldFlip(BreastRegion region, Laterality laterality)
    {
        if (Options.OrientationSource == OrientationSource.LateralityThenMass)
        {
            if (laterality == Laterality.Right) return true;
            if (laterality == Laterality.Left) return false;
        }
        return region.RightHalfCount > region.LeftHalfCount;
    }

    private FloatImage ToSquare(FloatImage image)
    {
        int size = Options.ImageSize;
        int resize = Options.ResizeSize ?? size;
        int width, height;
        if (Options.SquareResize == SquareResize.Stretch)
        {
            width = height = resize;
        }
        else if (image.Width <= image.Height)
        {
            width = resize;
            height = Math.Max(resize, (int)((double)resize * image.Height / image.Width)); // truncation, as torchvision
        }
        else
        {
            height = resize;
            width = Math.Max(resize, (int)((double)resize * image.Width / image.Height));
        }
        FloatImage resized = Resampler.Resize(image, width, height, Options.Filter);
        return width == size && height == size ? resized : ImageOperations.CenterCrop(resized, size, size);
    }
}
