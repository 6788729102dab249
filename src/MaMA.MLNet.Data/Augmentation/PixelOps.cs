using MaMA.MLNet.Imaging.Pixels;

namespace MaMA.MLNet.Data.Augmentation;

/// <summary>
/// The photometric operations only the train augmentations use (new image out, input unchanged); resizing, crops
/// and flips are Imaging's <c>Resampler</c> and <c>ImageOperations</c>.
/// </summary>
public static class PixelOps
{
    /// <summary>torchvision <c>adjust_brightness</c> on a float image: value * factor, clamped to [0, 1].</summary>
    public static FloatImage AdjustBrightness(FloatImage image, double factor) =>
        Map(image, v => Math.Clamp((float)(v * factor), 0f, 1f));

    /// <summary>
    /// torchvision <c>adjust_contrast</c> on a float image: blend with the image mean,
    /// factor * value + (1 - factor) * mean, clamped to [0, 1].
    /// </summary>
    public static FloatImage AdjustContrast(FloatImage image, double factor)
    {
        double mean = 0;
        foreach (float v in image.Pixels) mean += v;
        mean /= image.Pixels.Length;
        return Map(image, v => Math.Clamp((float)(factor * v + (1 - factor) * mean), 0f, 1f));
    }

    /// <summary>torchvision's Gaussian kernel: exp(-x²/2σ²) at x = -(n-1)/2 .. (n-1)/2, divided by its sum.</summary>
    public static double[] GaussianKernel(int size, double sigma)
    {
        if (size <= 0 || size % 2 == 0) throw new ArgumentOutOfRangeException(nameof(size), size, "Kernel size must be odd and positive.");
        if (!(sigma > 0)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "Sigma must be positive.");
        var kernel = new double[size];
        double half = (size - 1) / 2.0, sum = 0;
        for (int i = 0; i < size; i++)
        {
            double x = i - half;
            kernel[i] = Math.Exp(-0.5 * (x / sigma) * (x / sigma));
            sum += kernel[i];
        }
        for (int i = 0; i < size; i++) kernel[i] /= sum;
        return kernel;
    }

    /// <summary>
    /// torchvision <c>gaussian_blur</c>: separable convolution with <see cref="GaussianKernel"/>, borders
    /// padded by reflection without repeating the edge pixel (numpy/torch "reflect").
    /// </summary>
    public static FloatImage GaussianBlur(FloatImage image, int size, double sigma)
    {
        double[] k = GaussianKernel(size, sigma);
        int half = size / 2, w = image.Width, h = image.Height;
        var horizontal = new float[image.Pixels.Length];
        Parallel.For(0, h, y =>
        {
            for (int x = 0; x < w; x++)
            {
                double s = 0;
                for (int i = 0; i < size; i++) s += k[i] * image.Pixels[y * w + Reflect(x + i - half, w)];
                horizontal[y * w + x] = (float)s;
            }
        });
        var result = new FloatImage(w, h);
        Parallel.For(0, h, y =>
        {
            for (int x = 0; x < w; x++)
            {
                double s = 0;
                for (int i = 0; i < size; i++) s += k[i] * horizontal[Reflect(y + i - half, h) * w + x];
                result.Pixels[y * w + x] = (float)s;
            }
        });
        return result;
    }

    /// <summary>Reflects an index into [0, n) without repeating the edge (…2 1 | 0 1 2 … n-1 | n-2 …).</summary>
    internal static int Reflect(int i, int n)
    {
        if (n == 1) return 0;
        int period = 2 * (n - 1);
        i %= period;
        if (i < 0) i += period;
        return i < n ? i : period - i;
    }

    private static FloatImage Map(FloatImage image, Func<float, float> f)
    {
        var result = new FloatImage(image.Width, image.Height);
        for (int i = 0; i < image.Pixels.Length; i++) result.Pixels[i] = f(image.Pixels[i]);
        return result;
    }
}
