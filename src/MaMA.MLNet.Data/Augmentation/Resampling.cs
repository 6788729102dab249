namespace MaMA.MLNet.Data.Augmentation;

/// <summary>
/// Antialiased bilinear resampling as PIL's <c>Image.resize(BILINEAR, box=...)</c> does it (what torchvision's
/// Resize and RandomResizedCrop run on PIL images): a separable triangle filter whose support widens with the
/// downscale factor, weights normalised per output pixel, pixel centres at +0.5.
/// </summary>
public static class Resampling
{
    /// <summary>Resizes the whole image to <paramref name="width"/> x <paramref name="height"/>.</summary>
    public static ImageBuffer Resize(ImageBuffer source, int width, int height) =>
        ResizeRegion(source, 0, 0, source.Width, source.Height, width, height);

    /// <summary>
    /// Resamples the region with top-left (<paramref name="left"/>, <paramref name="top"/>) and size
    /// <paramref name="regionWidth"/> x <paramref name="regionHeight"/> to <paramref name="width"/> x
    /// <paramref name="height"/> (torchvision <c>resized_crop</c>). The region must lie inside the image.
    /// </summary>
    public static ImageBuffer ResizeRegion(ImageBuffer source, int left, int top, int regionWidth, int regionHeight, int width, int height)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"Output size {width}x{height} must be positive.");
        if (left < 0 || top < 0 || regionWidth <= 0 || regionHeight <= 0 || left + regionWidth > source.Width || top + regionHeight > source.Height)
            throw new ArgumentOutOfRangeException(nameof(left), $"Region ({left},{top}) {regionWidth}x{regionHeight} is not inside the {source.Width}x{source.Height} image.");

        var columns = Weights(left, regionWidth, width, source.Width);
        var rows = Weights(top, regionHeight, height, source.Height);

        // Horizontal pass over the rows the vertical pass needs, then vertical pass.
        int rowMin = rows.Min(r => r.Start), rowMax = rows.Max(r => r.Start + r.Weights.Length);
        var horizontal = new float[(rowMax - rowMin) * width];
        float[] src = source.Pixels;
        Parallel.For(rowMin, rowMax, y =>
        {
            int srcRow = y * source.Width, dstRow = (y - rowMin) * width;
            for (int x = 0; x < width; x++)
            {
                var (start, w) = columns[x];
                double sum = 0;
                for (int k = 0; k < w.Length; k++) sum += w[k] * src[srcRow + start + k];
                horizontal[dstRow + x] = (float)sum;
            }
        });
        var result = new ImageBuffer(width, height);
        float[] dst = result.Pixels;
        Parallel.For(0, height, y =>
        {
            var (start, w) = rows[y];
            for (int x = 0; x < width; x++)
            {
                double sum = 0;
                for (int k = 0; k < w.Length; k++) sum += w[k] * horizontal[(start + k - rowMin) * width + x];
                dst[y * width + x] = (float)sum;
            }
        });
        return result;
    }

    /// <summary>Per output index: the first input index and the normalised triangle-filter weights.</summary>
    internal static (int Start, double[] Weights)[] Weights(int offset, int regionSize, int outSize, int inSize)
    {
        double scale = (double)regionSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = filterScale; // bilinear filter support 1, widened when downscaling
        var result = new (int, double[])[outSize];
        for (int i = 0; i < outSize; i++)
        {
            double center = offset + (i + 0.5) * scale;
            int min = Math.Max((int)(center - support + 0.5), 0);
            int max = Math.Min((int)(center + support + 0.5), inSize);
            var w = new double[Math.Max(max - min, 1)];
            double total = 0;
            for (int k = 0; k < max - min; k++)
            {
                double t = Math.Abs((min + k - center + 0.5) / filterScale);
                w[k] = t < 1 ? 1 - t : 0;
                total += w[k];
            }
            if (total > 0) for (int k = 0; k < w.Length; k++) w[k] /= total;
            else w[0] = 1; // cannot happen for positive sizes; kept so a weight row always sums to 1
            result[i] = (min, w);
        }
        return result;
    }
}
