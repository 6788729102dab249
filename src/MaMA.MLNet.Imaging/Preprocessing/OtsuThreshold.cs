using MaMA.MLNet.Imaging.Pixels;

namespace MaMA.MLNet.Imaging.Preprocessing;

/// <summary>
/// Otsu's threshold on a 256-bin histogram of a [0, 1] image, as OpenCV's <c>THRESH_OTSU</c> computes it
/// (the reference crops with that on its 8-bit images): the threshold t maximises the between-class variance
/// q0 q1 (mu0 - mu1)^2 of the classes "bin &lt;= t" and "bin &gt; t"; the first maximum wins; foreground is bin &gt; t.
/// </summary>
public static class OtsuThreshold
{
    /// <summary>Number of histogram bins.</summary>
    public const int Bins = 256;

    /// <summary>The bin of a [0, 1] value: round(v * 255), clamped, as converting to 8 bits does.</summary>
    public static int BinOf(float value)
    {
        float scaled = value * 255f + 0.5f;
        return scaled <= 0 ? 0 : scaled >= 255 ? 255 : (int)scaled;
    }

    /// <summary>The 256-bin histogram of <paramref name="image"/>.</summary>
    public static long[] Histogram(FloatImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var histogram = new long[Bins];
        foreach (float v in image.Pixels) histogram[BinOf(v)]++;
        return histogram;
    }

    /// <summary>Otsu's threshold bin for <paramref name="histogram"/> (256 counts); 0 when the histogram is empty or has one value.</summary>
    public static int FromHistogram(ReadOnlySpan<long> histogram)
    {
        if (histogram.Length != Bins) throw new ArgumentException($"Expected {Bins} bins, got {histogram.Length}.", nameof(histogram));
        double total = 0, weightedSum = 0;
        for (int i = 0; i < Bins; i++)
        {
            total += histogram[i];
            weightedSum += (double)i * histogram[i];
        }
        if (total == 0) return 0;
        double mean = weightedSum / total;

        const double epsilon = 1e-12;
        double q0 = 0, mu0 = 0, best = 0;
        int threshold = 0;
        for (int t = 0; t < Bins; t++)
        {
            double p = histogram[t] / total;
            double previousMass = mu0 * q0; // running sum of i * p_i
            q0 += p;
            double q1 = 1 - q0;
            if (Math.Min(q0, q1) < epsilon) { mu0 = q0 > 0 ? (previousMass + t * p) / q0 : 0; continue; }
            mu0 = (previousMass + t * p) / q0;
            double mu1 = (mean - q0 * mu0) / q1;
            double variance = q0 * q1 * (mu0 - mu1) * (mu0 - mu1);
            if (variance > best)
            {
                best = variance;
                threshold = t;
            }
        }
        return threshold;
    }

    /// <summary>Otsu's threshold bin for <paramref name="image"/>.</summary>
    public static int Compute(FloatImage image) => FromHistogram(Histogram(image));
}
