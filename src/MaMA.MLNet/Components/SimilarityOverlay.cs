using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MaMA.MLNet.Components;

/// <summary>Draws a similarity map as a heat map over the grayscale image, as a PNG.</summary>
public static class SimilarityOverlay
{
    /// <summary>
    /// Writes an RGB PNG of side S: the image's first channel un-normalised (value x std + mean, clamped to [0, 1])
    /// as gray, blended with the map (min-max scaled to [0, 1], blue -> green -> yellow -> red) at <paramref name="opacity"/>.
    /// </summary>
    /// <param name="image">A model-ready image, [3, S, S] (or [S, S]) row-major.</param>
    /// <param name="map">The map, [S, S] row-major.</param>
    /// <param name="side">S.</param>
    /// <param name="path">The PNG to write.</param>
    /// <param name="opacity">Weight of the heat colour, 0 to 1.</param>
    /// <param name="mean">The normalisation mean of the image.</param>
    /// <param name="std">The normalisation standard deviation of the image.</param>
    /// <exception cref="ArgumentException">The sizes do not match <paramref name="side"/>.</exception>
    public static void WritePng(ReadOnlySpan<float> image, ReadOnlySpan<float> map, int side, string path, float opacity = 0.45f, float mean = 0.5f, float std = 0.5f)
    {
        int n = side * side;
        if (side < 1 || map.Length != n || (image.Length != n && image.Length != 3 * n))
            throw new ArgumentException($"Expected a [{side}, {side}] map and a [3, {side}, {side}] image, got {map.Length} and {image.Length} values.");
        if (opacity is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(opacity), opacity, "opacity must be between 0 and 1");
        float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
        foreach (float v in map) { lo = Math.Min(lo, v); hi = Math.Max(hi, v); }
        float range = hi > lo ? hi - lo : 1;
        using var output = new Image<Rgb24>(side, side);
        for (int y = 0; y < side; y++)
            for (int x = 0; x < side; x++)
            {
                int i = y * side + x;
                float gray = Math.Clamp(image[i] * std + mean, 0, 1);
                var (r, g, b) = HeatColour((map[i] - lo) / range);
                output[x, y] = new Rgb24(ToByte(gray * (1 - opacity) + r * opacity), ToByte(gray * (1 - opacity) + g * opacity), ToByte(gray * (1 - opacity) + b * opacity));
            }
        output.SaveAsPng(path);
    }

    /// <summary>A jet-like colour ramp of t in [0, 1]: blue, cyan, green, yellow, red.</summary>
    public static (float R, float G, float B) HeatColour(float t)
    {
        t = Math.Clamp(t, 0, 1);
        return (Math.Clamp(1.5f - Math.Abs(4 * t - 3), 0, 1), Math.Clamp(1.5f - Math.Abs(4 * t - 2), 0, 1), Math.Clamp(1.5f - Math.Abs(4 * t - 1), 0, 1));
    }

    private static byte ToByte(float v) => (byte)Math.Round(Math.Clamp(v, 0, 1) * 255);
}
