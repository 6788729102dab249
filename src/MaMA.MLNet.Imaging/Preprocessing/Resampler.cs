using System.Numerics;
using System.Runtime.InteropServices;
using MaMA.MLNet.Imaging.Pixels;

namespace MaMA.MLNet.Imaging.Preprocessing;

/// <summary>
/// Separable antialiased resize of a <see cref="FloatImage"/>: a horizontal pass over rows, then a vertical
/// pass that adds whole weighted rows (vectorised), each split across cores for big images. Weights follow
/// PIL's convolution resampler: output pixel i samples at input coordinate (i + 0.5) * scale (plus the region's
/// offset when a sub-region is resampled), with the kernel widened by the scale when shrinking, and normalised to
/// sum 1 so a constant stays constant. Used by the eval preprocessing and by the train augmentations alike.
/// </summary>
public static class Resampler
{
    private const int ParallelRowThreshold = 64;

    /// <summary>Resizes <paramref name="source"/> to <paramref name="width"/> x <paramref name="height"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The target size is not positive.</exception>
    public static FloatImage Resize(FloatImage source, int width, int height, ResampleFilter filter = ResampleFilter.Bilinear)
    {
        ArgumentNullException.ThrowIfNull(source);
        return ResizeRegion(source, new PixelBox(0, 0, source.Width, source.Height), width, height, filter);
    }

    /// <summary>
    /// Resamples the <paramref name="region"/> of <paramref name="source"/> to <paramref name="width"/> x
    /// <paramref name="height"/>, as PIL's <c>Image.resize(size, filter, box=region)</c>: output pixel i samples at
    /// <c>region.X + (i + 0.5) * scale</c>, and the kernel may read pixels just outside the region (clamped to the
    /// image), so a crop of a larger image is not a resize of a cut-out copy at its border pixels. This is the
    /// resized crop of torchvision's <c>RandomResizedCrop</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The target size is not positive or the region is empty or leaves the image.</exception>
    public static FloatImage ResizeRegion(FloatImage source, PixelBox region, int width, int height, ResampleFilter filter = ResampleFilter.Bilinear)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"Target size must be positive, got {width}x{height}.");
        if (region.X < 0 || region.Y < 0 || region.Width <= 0 || region.Height <= 0 || region.X + region.Width > source.Width || region.Y + region.Height > source.Height)
            throw new ArgumentOutOfRangeException(nameof(region), region, $"Region is not inside the {source.Width}x{source.Height} image.");

        // At scale 1 every weight row is a single 1, so that pass is a plain copy.
        if (width == region.Width && height == region.Height) return ImageOperations.Crop(source, region);

        Coefficients rows = Coefficients.Compute(region.Y, region.Height, source.Height, height, filter);
        // The horizontal pass only runs over the input rows the vertical pass reads.
        int firstRow = region.Y, endRow = region.Y + region.Height;
        if (height != region.Height)
        {
            firstRow = rows.Start.Min();
            endRow = Enumerable.Range(0, height).Max(y => rows.Start[y] + rows.Count[y]);
        }
        var band = new PixelBox(region.X, firstRow, region.Width, endRow - firstRow);
        bool wholeSource = band == new PixelBox(0, 0, source.Width, source.Height);
        FloatImage horizontal = width == region.Width
            ? wholeSource ? source : ImageOperations.Crop(source, band)
            : ResizeRows(source, band, Coefficients.Compute(region.X, region.Width, source.Width, width, filter), width);
        return height == region.Height ? horizontal : ResizeColumns(horizontal, firstRow, rows, height);
    }

    // Rows band.Y .. band.Y + band.Height - 1 of the source, each resampled to `width` columns.
    private static FloatImage ResizeRows(FloatImage source, PixelBox band, Coefficients c, int width)
    {
        var output = new FloatImage(width, band.Height);
        ForRows(band.Height, y =>
        {
            ReadOnlySpan<float> src = source.Row(band.Y + y);
            Span<float> dst = output.Row(y);
            for (int x = 0; x < width; x++)
            {
                ReadOnlySpan<float> weights = c.Weights(x);
                ReadOnlySpan<float> window = src.Slice(c.Start[x], weights.Length);
                float sum = 0;
                for (int k = 0; k < weights.Length; k++) sum += weights[k] * window[k];
                dst[x] = sum;
            }
        });
        return output;
    }

    // `source` holds input rows from `firstRow` on; the coefficients index input rows.
    private static FloatImage ResizeColumns(FloatImage source, int firstRow, Coefficients c, int height)
    {
        var output = new FloatImage(source.Width, height);
        ForRows(height, y =>
        {
            Span<float> dst = output.Row(y);
            ReadOnlySpan<float> weights = c.Weights(y);
            for (int k = 0; k < weights.Length; k++)
                AddScaled(dst, source.Row(c.Start[y] - firstRow + k), weights[k]);
        });
        return output;
    }

    // dst += w * src, a Vector<float> at a time.
    private static void AddScaled(Span<float> dst, ReadOnlySpan<float> src, float w)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && dst.Length >= Vector<float>.Count)
        {
            Span<Vector<float>> dv = MemoryMarshal.Cast<float, Vector<float>>(dst);
            ReadOnlySpan<Vector<float>> sv = MemoryMarshal.Cast<float, Vector<float>>(src);
            var wv = new Vector<float>(w);
            for (int j = 0; j < dv.Length; j++) dv[j] += sv[j] * wv;
            i = dv.Length * Vector<float>.Count;
        }
        for (; i < dst.Length; i++) dst[i] += w * src[i];
    }

    private static void ForRows(int rows, Action<int> body)
    {
        if (rows < ParallelRowThreshold)
        {
            for (int y = 0; y < rows; y++) body(y);
            return;
        }
        Parallel.For(0, rows, body);
    }

    private static double Kernel(ResampleFilter filter, double x)
    {
        x = Math.Abs(x);
        switch (filter)
        {
            case ResampleFilter.Box:
                return x < 0.5 ? 1 : 0;
            case ResampleFilter.Bilinear:
                return x < 1 ? 1 - x : 0;
            case ResampleFilter.Bicubic:
                const double a = -0.5;
                if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
                if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
                return 0;
            case ResampleFilter.Lanczos3:
                if (x >= 3) return 0;
                return Sinc(x) * Sinc(x / 3);
            default:
                throw new ArgumentOutOfRangeException(nameof(filter), filter, "Unknown filter.");
        }
    }

    private static double Sinc(double x)
    {
        if (x == 0) return 1;
        x *= Math.PI;
        return Math.Sin(x) / x;
    }

    private static double Support(ResampleFilter filter) => filter switch
    {
        ResampleFilter.Box => 0.5,
        ResampleFilter.Bilinear => 1,
        ResampleFilter.Bicubic => 2,
        ResampleFilter.Lanczos3 => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(filter), filter, "Unknown filter."),
    };

    /// <summary>Per-output-pixel first input index and normalised weights, in one flat buffer.</summary>
    private sealed class Coefficients
    {
        public required int[] Start { get; init; }
        public required int[] Count { get; init; }
        public required float[] Flat { get; init; }
        public required int Stride { get; init; }

        public ReadOnlySpan<float> Weights(int i) => Flat.AsSpan(i * Stride, Count[i]);

        /// <summary>Weights for resampling input indices offset .. offset + regionSize - 1 of an axis of inSize to outSize.</summary>
        public static Coefficients Compute(int offset, int regionSize, int inSize, int outSize, ResampleFilter filter)
        {
            double scale = (double)regionSize / outSize;
            double filterScale = Math.Max(scale, 1.0);
            double support = Support(filter) * filterScale;
            int stride = (int)Math.Ceiling(support) * 2 + 1;
            var start = new int[outSize];
            var count = new int[outSize];
            var flat = new float[outSize * stride];
            var raw = new double[stride];
            for (int i = 0; i < outSize; i++)
            {
                double center = offset + (i + 0.5) * scale;
                int lo = Math.Max(0, (int)(center - support + 0.5));
                int hi = Math.Min(inSize, (int)(center + support + 0.5));
                int n = Math.Min(hi - lo, stride);
                double total = 0;
                for (int k = 0; k < n; k++)
                {
                    raw[k] = Kernel(filter, (lo + k - center + 0.5) / filterScale);
                    total += raw[k];
                }
                if (total == 0)
                {
                    // Only possible for a degenerate window; take the nearest input pixel.
                    int nearest = Math.Clamp((int)center, 0, inSize - 1);
                    lo = nearest; n = 1; raw[0] = 1; total = 1;
                }
                start[i] = lo;
                count[i] = n;
                for (int k = 0; k < n; k++) flat[i * stride + k] = (float)(raw[k] / total);
            }
            return new Coefficients { Start = start, Count = count, Flat = flat, Stride = stride };
        }
    }
}
