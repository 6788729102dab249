using MaMA.MLNet.Imaging.Preprocessing;

namespace MaMA.MLNet.Data.Augmentation;

/// <summary>
/// torchvision's <c>RandomResizedCrop.get_params</c>: up to 10 tries of an area fraction uniform in
/// <c>scale</c> and a log-uniform aspect ratio in <c>ratio</c>; w = round(sqrt(area * r)),
/// h = round(sqrt(area / r)); accepted when it fits, placed uniformly. Otherwise a centred crop of the whole
/// image with its aspect ratio clamped to <c>ratio</c>. The region is then resampled by
/// <see cref="Resampler.ResizeRegion"/>.
/// </summary>
public static class RandomResizedCropSampler
{
    /// <summary>Draws a crop region of a <paramref name="width"/> x <paramref name="height"/> image.</summary>
    public static PixelBox Sample(int width, int height, Random random, double minScale = 0.1, double maxScale = 1.0, double minRatio = 3.0 / 4.0, double maxRatio = 4.0 / 3.0)
    {
        if (!(minScale > 0 && minScale <= maxScale && maxScale <= 1)) throw new ArgumentOutOfRangeException(nameof(minScale), "Need 0 < minScale <= maxScale <= 1.");
        if (!(minRatio > 0 && minRatio <= maxRatio)) throw new ArgumentOutOfRangeException(nameof(minRatio), "Need 0 < minRatio <= maxRatio.");
        double area = (double)width * height;
        double logMin = Math.Log(minRatio), logMax = Math.Log(maxRatio);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = area * Uniform(random, minScale, maxScale);
            double aspect = Math.Exp(Uniform(random, logMin, logMax));
            int w = (int)Math.Round(Math.Sqrt(target * aspect), MidpointRounding.ToEven);
            int h = (int)Math.Round(Math.Sqrt(target / aspect), MidpointRounding.ToEven);
            if (w > 0 && w <= width && h > 0 && h <= height)
            {
                int top = random.Next(height - h + 1);
                int left = random.Next(width - w + 1);
                return new PixelBox(left, top, w, h);
            }
        }
        // Fallback: whole-image centre crop with the ratio clamped.
        double inRatio = (double)width / height;
        int cw, ch;
        if (inRatio < minRatio) { cw = width; ch = (int)Math.Round(cw / minRatio, MidpointRounding.ToEven); }
        else if (inRatio > maxRatio) { ch = height; cw = (int)Math.Round(ch * maxRatio, MidpointRounding.ToEven); }
        else { cw = width; ch = height; }
        return new PixelBox((width - cw) / 2, (height - ch) / 2, cw, ch);
    }

    private static double Uniform(Random random, double min, double max) => min + (max - min) * random.NextDouble();
}
