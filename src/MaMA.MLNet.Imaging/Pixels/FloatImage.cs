namespace MaMA.MLNet.Imaging.Pixels;

/// <summary>
/// A single-channel float image, row-major, <c>Width * Height</c> values. Display values live in [0, 1]
/// (0 black, 1 white) once <see cref="GrayscaleRenderer"/> has produced them.
/// </summary>
public sealed class FloatImage
{
    /// <summary>Wraps <paramref name="pixels"/> (not copied).</summary>
    /// <exception cref="ArgumentException">The sizes are not positive or the buffer length is not width * height.</exception>
    public FloatImage(int width, int height, float[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (width <= 0 || height <= 0)
            throw new ArgumentException($"Image size must be positive, got {width}x{height}.");
        if (pixels.LongLength != (long)width * height)
            throw new ArgumentException($"Expected {(long)width * height} pixels for {width}x{height}, got {pixels.Length}.", nameof(pixels));
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>A zero-filled image.</summary>
    public FloatImage(int width, int height) : this(width, height, new float[checked(width * height)]) { }

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

    /// <summary>One row as a span.</summary>
    public Span<float> Row(int y) => Pixels.AsSpan(y * Width, Width);
}
