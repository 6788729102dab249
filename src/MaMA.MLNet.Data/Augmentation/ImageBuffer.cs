namespace MaMA.MLNet.Data.Augmentation;

/// <summary>
/// A single-channel float image, row-major, values nominally in [0, 1]: what the augmentations read and write.
/// </summary>
public sealed class ImageBuffer
{
    /// <summary>Wraps <paramref name="pixels"/> (not copied) as a <paramref name="width"/> x <paramref name="height"/> image.</summary>
    public ImageBuffer(int width, int height, float[] pixels)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"Image size {width}x{height} must be positive.");
        if (pixels.Length != (long)width * height)
            throw new ArgumentException($"Expected {(long)width * height} pixels for {width}x{height}, got {pixels.Length}.", nameof(pixels));
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>A new zero image.</summary>
    public ImageBuffer(int width, int height) : this(width, height, new float[checked(width * height)]) { }

    /// <summary>Columns.</summary>
    public int Width { get; }

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>The values, row by row.</summary>
    public float[] Pixels { get; }

    /// <summary>The value at column <paramref name="x"/>, row <paramref name="y"/>.</summary>
    public float this[int x, int y]
    {
        get => Pixels[y * Width + x];
        set => Pixels[y * Width + x] = value;
    }

    /// <summary>A deep copy.</summary>
    public ImageBuffer Clone() => new(Width, Height, (float[])Pixels.Clone());

    /// <summary>
    /// Scales stored values to [0, 1]: value / (2^bitsStored - 1), clamped; e.g. a 12-bit phantom image.
    /// </summary>
    public static ImageBuffer FromStoredValues(int width, int height, ReadOnlySpan<int> values, int bitsStored)
    {
        if (bitsStored is < 1 or > 31) throw new ArgumentOutOfRangeException(nameof(bitsStored), bitsStored, "Must be 1-31.");
        float max = (float)((1L << bitsStored) - 1);
        var pixels = new float[values.Length];
        for (int i = 0; i < values.Length; i++) pixels[i] = Math.Clamp(values[i] / max, 0f, 1f);
        return new ImageBuffer(width, height, pixels);
    }
}
