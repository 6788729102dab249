using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MaMA.MLNet.Data.Phantom;

/// <summary>
/// A 2x2 8-bit montage of a study for eyes: right views on the left, left views on the right (back to back,
/// as a radiologist hangs them), CC on top, MLO below; each image scaled by the full stored range.
/// </summary>
public static class PhantomMontage
{
    /// <summary>Writes the montage of <paramref name="study"/> as an 8-bit PNG, each tile reduced by <paramref name="downscale"/>.</summary>
    public static void WritePng(PhantomStudyImages study, string path, int downscale = 1, int gap = 4)
    {
        if (downscale < 1) throw new ArgumentOutOfRangeException(nameof(downscale), downscale, "Must be at least 1.");
        PhantomImage Find(Manifest.Laterality side, string view) => study.Images.Single(i => i.Side == side && i.View == view);
        PhantomImage[,] tiles =
        {
            { Find(Manifest.Laterality.Right, "CC"), Find(Manifest.Laterality.Left, "CC") },
            { Find(Manifest.Laterality.Right, "MLO"), Find(Manifest.Laterality.Left, "MLO") },
        };
        int tw = tiles[0, 0].Frame.Width / downscale, th = tiles[0, 0].Frame.Height / downscale;
        using var montage = new Image<L8>(2 * tw + gap, 2 * th + gap, new L8(40));
        for (int r = 0; r < 2; r++)
            for (int c = 0; c < 2; c++)
            {
                var frame = tiles[r, c].Frame;
                double scale = 255.0 / frame.MaxStoredValue / (downscale * downscale);
                for (int y = 0; y < th; y++)
                    for (int x = 0; x < tw; x++)
                    {
                        double sum = 0;
                        for (int dy = 0; dy < downscale; dy++)
                            for (int dx = 0; dx < downscale; dx++)
                                sum += frame.StoredValues[(y * downscale + dy) * frame.Width + x * downscale + dx];
                        montage[c * (tw + gap) + x, r * (th + gap) + y] = new L8((byte)Math.Clamp(Math.Round(sum * scale), 0, 255));
                    }
            }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".");
        montage.SaveAsPng(path);
    }
}
