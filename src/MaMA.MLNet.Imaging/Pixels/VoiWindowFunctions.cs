namespace MaMA.MLNet.Imaging.Pixels;

/// <summary>
/// The VOI window functions of DICOM PS3.3, written to output [0, 1] (y_min = 0, y_max = 1), so a caller
/// scales to any output range by multiplication.
/// </summary>
public static class VoiWindowFunctions
{
    /// <summary>Applies the window function <paramref name="function"/> with center <paramref name="c"/> and width <paramref name="w"/> to <paramref name="x"/>.</summary>
    public static double Apply(VoiLutFunction function, double x, double c, double w) => function switch
    {
        VoiLutFunction.Linear => Linear(x, c, w),
        VoiLutFunction.LinearExact => LinearExact(x, c, w),
        VoiLutFunction.Sigmoid => Sigmoid(x, c, w),
        _ => throw new ArgumentOutOfRangeException(nameof(function), function, "Unknown VOI LUT function."),
    };

    /// <summary>
    /// LINEAR, PS3.3 C.11.2.1.2.1: 0 when x &lt;= c - 0.5 - (w-1)/2, 1 when x &gt; c - 0.5 + (w-1)/2,
    /// else ((x - (c - 0.5)) / (w - 1) + 0.5). Width must be at least 1; width 1 is a step at c - 0.5.
    /// </summary>
    public static double Linear(double x, double c, double w)
    {
        if (w < 1) throw new ArgumentOutOfRangeException(nameof(w), w, "LINEAR window width must be >= 1 (PS3.3 C.11.2.1.2.1).");
        double lower = c - 0.5 - (w - 1) / 2;
        double upper = c - 0.5 + (w - 1) / 2;
        if (x <= lower) return 0;
        if (x > upper) return 1;
        return (x - (c - 0.5)) / (w - 1) + 0.5;
    }

    /// <summary>
    /// LINEAR_EXACT, PS3.3 C.11.2.1.3.2: 0 when x &lt;= c - w/2, 1 when x &gt; c + w/2, else (x - c) / w + 0.5.
    /// Width must be positive.
    /// </summary>
    public static double LinearExact(double x, double c, double w)
    {
        if (w <= 0) throw new ArgumentOutOfRangeException(nameof(w), w, "LINEAR_EXACT window width must be > 0 (PS3.3 C.11.2.1.3.2).");
        if (x <= c - w / 2) return 0;
        if (x > c + w / 2) return 1;
        return (x - c) / w + 0.5;
    }

    /// <summary>SIGMOID, PS3.3 C.11.2.1.3.1: 1 / (1 + exp(-4 (x - c) / w)). Width must be positive.</summary>
    public static double Sigmoid(double x, double c, double w)
    {
        if (w <= 0) throw new ArgumentOutOfRangeException(nameof(w), w, "SIGMOID window width must be > 0 (PS3.3 C.11.2.1.3.1).");
        return 1.0 / (1.0 + Math.Exp(-4.0 * (x - c) / w));
    }
}
