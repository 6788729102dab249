using MaMA.MLNet.Imaging.Pixels;

namespace MaMA.MLNet.Imaging.Preprocessing;

/// <summary>Crops, flips (shared by the preprocessing and the train augmentations) and the final CHW normalisation of <see cref="FloatImage"/>s.</summary>
public static class ImageOperations
{
    /// <summary>A copy of the pixels inside <paramref name="box"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The box is empty or leaves the image.</exception>
    public static FloatImage Crop(FloatImage image, PixelBox box)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (box.Width <= 0 || box.Height <= 0 || box.X < 0 || box.Y < 0 || box.X + box.Width > image.Width || box.Y + box.Height > image.Height)
            throw new ArgumentOutOfRangeException(nameof(box), box, $"Crop box outside the {image.Width}x{image.Height} image.");
        var output = new FloatImage(box.Width, box.Height);
        for (int y = 0; y < box.Height; y++)
            image.Pixels.AsSpan((box.Y + y) * image.Width + box.X, box.Width).CopyTo(output.Row(y));
        return output;
    }

    /// <summary>
    /// The centre <paramref name="width"/> x <paramref name="height"/> region; the offset is
    /// round((size - crop) / 2) with ties to even, as torchvision's <c>CenterCrop</c> computes it.
    /// </summary>
    public static FloatImage CenterCrop(FloatImage image, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (width <= 0 || height <= 0 || width > image.Width || height > image.Height)
            throw new ArgumentOutOfRangeException(nameof(width), $"Centre crop {width}x{height} does not fit the {image.Width}x{image.Height} image.");
        int x = (int)Math.Round((image.Width - width) / 2.0, MidpointRounding.ToEven);
        int y = (int)Math.Round((image.Height - height) / 2.0, MidpointRounding.ToEven);
        return Crop(image, new PixelBox(x, y, width, height));
    }

    /// <summary>A left-right mirrored copy.</summary>
    public static FloatImage FlipHorizontal(FloatImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var output = new FloatImage(image.Width, image.Height);
        for (int y = 0; y < image.Height; y++)
        {
            image.Row(y).CopyTo(output.Row(y));
            output.Row(y).Reverse();
        }
        return output;
    }

    /// <summary>A top-bottom mirrored copy.</summary>
    public static FloatImage FlipVertical(FloatImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var output = new FloatImage(image.Width, image.Height);
        for (int y = 0; y < image.Height; y++) image.Row(image.Height - 1 - y).CopyTo(output.Row(y));
        return output;
    }

    /// <summary>
    /// (v - mean) / std, written three times (the grayscale repeated to R, G, B) as one channel-major
    /// (C, H, W) buffer of <c>3 * Height * Width</c> floats.
    /// </summary>
    public static float[] ToNormalizedChw(FloatImage image, float mean, float std)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!(std > 0)) throw new ArgumentOutOfRangeException(nameof(std), std, "Standard deviation must be positive.");
        int plane = image.Pixels.Length;
        var output = new float[3 * plane];
        ToNormalizedChw(image, mean, std, output);
        return output;
    }

    /// <summary>Writes <see cref="ToNormalizedChw(FloatImage, float, float)"/> into <paramref name="destination"/> (length 3 * H * W).</summary>
    public static void ToNormalizedChw(FloatImage image, float mean, float std, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        int plane = image.Pixels.Length;
        if (destination.Length != 3 * plane) throw new ArgumentException($"Destination holds {destination.Length} floats, expected {3 * plane}.", nameof(destination));
        float inv = 1f / std;
        Span<float> first = destination[..plane];
        ReadOnlySpan<float> src = image.Pixels;
        for (int i = 0; i < plane; i++) first[i] = (src[i] - mean) * inv;
        first.CopyTo(destination.Slice(plane, plane));
        first.CopyTo(destination.Slice(2 * plane, plane));
    }
}
