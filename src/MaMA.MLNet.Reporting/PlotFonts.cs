using SkiaSharp;

namespace MaMA.MLNet.Reporting;

/// <summary>
/// Picks the font every plot uses. SkiaSharp's self-contained Linux build (SkiaSharp.NativeAssets.Linux.NoDependencies)
/// finds fonts by scanning /usr/share/fonts; with none there it draws no text at all and reports no error, so
/// a plot without a font is refused instead of written without labels.
/// </summary>
internal static class PlotFonts
{
    private static readonly Lazy<string?> Chosen = new(Choose);

    /// <summary>Applies the chosen font to all text of <paramref name="plot"/>.</summary>
    /// <exception cref="PlotRenderingException">No font is installed.</exception>
    public static void Apply(ScottPlot.Plot plot) => plot.Font.Set(Name);

    /// <summary>The font family used (a sans-serif one when there is one).</summary>
    /// <exception cref="PlotRenderingException">No font is installed.</exception>
    public static string Name => Chosen.Value ?? throw new PlotRenderingException(
        "no font found for plot text (SkiaSharp looks under /usr/share/fonts); install one, e.g. the Debian package fonts-dejavu-core.");

    private static string? Choose()
    {
        // With no font files Skia still lists one family with an empty name, whose typeface has no glyphs.
        var families = SKFontManager.Default.FontFamilies.Where(Renders).ToList();
        if (families.Count == 0) return null;
        // Sans-serif reads best at small sizes; DejaVu Sans is what fonts-dejavu-core brings.
        foreach (string preferred in new[] { "DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica" })
            if (families.Contains(preferred, StringComparer.OrdinalIgnoreCase)) return preferred;
        return families.FirstOrDefault(f => f.Contains("Sans", StringComparison.OrdinalIgnoreCase) && !f.Contains("Mono", StringComparison.OrdinalIgnoreCase))
            ?? families[0];
    }

    private static bool Renders(string family)
    {
        if (string.IsNullOrWhiteSpace(family)) return false;
        using var typeface = SKTypeface.FromFamilyName(family);
        return typeface is not null && typeface.GlyphCount > 0 && typeface.ContainsGlyphs("0123456789ABCabc");
    }
}
