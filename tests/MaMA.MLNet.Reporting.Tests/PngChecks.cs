using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MaMA.MLNet.Reporting.Tests;

/// <summary>Decodes a PNG with ImageSharp (not the SkiaSharp that wrote it) and measures what is on it.</summary>
internal static class PngChecks
{
    /// <summary>Asserts the file decodes to <paramref name="width"/> x <paramref name="height"/> and is not blank; returns the count of distinct colours.</summary>
    public static int AssertPlot(string path, int width, int height)
    {
        Assert.IsTrue(File.Exists(path), path);
        using var image = Image.Load<Rgba32>(path);
        Assert.AreEqual(width, image.Width, path);
        Assert.AreEqual(height, image.Height, path);
        var colours = new HashSet<uint>();
        long dark = 0;
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
                foreach (var p in rows.GetRowSpan(y))
                {
                    colours.Add(p.PackedValue);
                    if (p.R + p.G + p.B < 200) dark++;
                }
        });
        // A blank or one-colour image has a handful of colours; text and anti-aliased lines give many more.
        Assert.IsGreaterThan(20, colours.Count, $"{path}: only {colours.Count} colours");
        Assert.IsGreaterThan(100L, dark, $"{path}: almost no dark pixels (no text or axes)");
        return colours.Count;
    }

    /// <summary>Pixels that differ between two images of one size in the given band of rows.</summary>
    public static long DifferingPixelsInRows(string a, string b, int fromRow, int toRow)
    {
        using var first = Image.Load<Rgba32>(a);
        using var second = Image.Load<Rgba32>(b);
        Assert.AreEqual((first.Width, first.Height), (second.Width, second.Height));
        long differing = 0;
        for (int y = fromRow; y < Math.Min(toRow, first.Height); y++)
            for (int x = 0; x < first.Width; x++)
                if (first[x, y] != second[x, y]) differing++;
        return differing;
    }
}
