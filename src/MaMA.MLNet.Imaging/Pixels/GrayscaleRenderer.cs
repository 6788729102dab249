namespace MaMA.MLNet.Imaging.Pixels;

/// <summary>
/// Turns stored values into display values in [0, 1]: modality LUT (rescale or table), VOI (window with its
/// function, VOI LUT table, or a fallback range), then inversion for MONOCHROME1 / INVERSE presentation.
/// </summary>
/// <remarks>
/// Every stored value goes through the same chain, so when the stored values span at most
/// <see cref="MaxTableEntries"/> distinct values (always for BitsStored &lt;= 16) the chain is evaluated once per
/// possible value into a table and each pixel costs one lookup.
/// </remarks>
public static class GrayscaleRenderer
{
    /// <summary>The largest stored-value range rendered through a lookup table; wider ranges are computed per pixel.</summary>
    public const int MaxTableEntries = 1 << 16;

    // Above this many pixels the lookup loop is split across cores.
    private const int ParallelPixelThreshold = 1 << 20;

    /// <summary>Renders one frame.</summary>
    /// <exception cref="ArgumentException">The frame's buffer does not match its size, or a LUT is empty or has an unsupported entry size.</exception>
    public static FloatImage Render(GrayscaleFrame frame, PixelPresentation presentation, RenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(presentation);
        options ??= RenderOptions.Default;
        int[] stored = frame.StoredValues;
        if (frame.Width <= 0 || frame.Height <= 0 || stored.LongLength != (long)frame.Width * frame.Height)
            throw new ArgumentException($"Frame of {frame.Width}x{frame.Height} holds {stored.Length} values.", nameof(frame));
        Validate(presentation.ModalityLut, "Modality LUT");

        (int minStored, int maxStored) = MinMax(stored);
        long range = (long)maxStored - minStored + 1;
        bool useTable = range <= MaxTableEntries;

        Func<int, double> modality = ModalityFunction(presentation);
        Func<double, double> voi = VoiFunction(presentation, options, () => ModalityRange(frame, presentation, options.NoVoiRange, minStored, maxStored, useTable, modality));
        bool invert = options.ApplyInversion && presentation.IsInverted;
        double Display(int s)
        {
            double y = voi(modality(s));
            return invert ? 1.0 - y : y;
        }

        var output = new float[stored.Length];
        if (useTable)
        {
            var table = new float[range];
            for (int i = 0; i < table.Length; i++) table[i] = (float)Display(minStored + i);
            ForEachChunk(stored.Length, (start, end) =>
            {
                ReadOnlySpan<int> src = stored.AsSpan(start, end - start);
                Span<float> dst = output.AsSpan(start, end - start);
                for (int i = 0; i < src.Length; i++) dst[i] = table[src[i] - minStored];
            });
        }
        else
        {
            ForEachChunk(stored.Length, (start, end) =>
            {
                for (int i = start; i < end; i++) output[i] = (float)Display(stored[i]);
            });
        }
        return new FloatImage(frame.Width, frame.Height, output);
    }

    /// <summary>The modality value of one stored value: the Modality LUT when present, else slope * value + intercept.</summary>
    public static double ModalityValue(int stored, PixelPresentation presentation)
    {
        ArgumentNullException.ThrowIfNull(presentation);
        return ModalityFunction(presentation)(stored);
    }

    private static Func<int, double> ModalityFunction(PixelPresentation p)
    {
        if (p.ModalityLut is { } lut) return s => lut.Map(s);
        double slope = p.RescaleSlope, intercept = p.RescaleIntercept;
        return s => slope * s + intercept;
    }

    private static Func<double, double> VoiFunction(PixelPresentation p, RenderOptions options, Func<(double Lo, double Hi)> fallbackRange)
    {
        bool hasWindow = p.Windows.Count > 0, hasLut = p.VoiLuts.Count > 0;
        bool useWindow = options.Voi switch
        {
            VoiSource.Auto or VoiSource.Window => hasWindow,
            _ => false,
        };
        bool useLut = !useWindow && options.Voi is VoiSource.Auto or VoiSource.Lut && hasLut;

        if (useWindow)
        {
            WindowSetting window = p.Windows[options.WindowIndex >= 0 && options.WindowIndex < p.Windows.Count ? options.WindowIndex : 0];
            VoiLutFunction function = p.VoiLutFunction;
            double c = window.Center, w = window.Width;
            // A width the function cannot use (LINEAR needs >= 1, the others > 0) is a broken header, not a reason
            // to fail the image: fall back as if no window were given.
            bool usable = function == VoiLutFunction.Linear ? w >= 1 : w > 0;
            if (usable && double.IsFinite(c) && double.IsFinite(w))
                return x => VoiWindowFunctions.Apply(function, x, c, w);
        }
        else if (useLut)
        {
            LookupTable lut = p.VoiLuts[options.VoiLutIndex >= 0 && options.VoiLutIndex < p.VoiLuts.Count ? options.VoiLutIndex : 0];
            Validate(lut, "VOI LUT");
            double scale = 1.0 / ((1 << lut.BitsPerEntry) - 1);
            return x => lut.Map(RoundToInt(x)) * scale;
        }

        (double lo, double hi) = fallbackRange();
        if (!(hi > lo)) return _ => 0.0;
        double inv = 1.0 / (hi - lo);
        return x => Math.Clamp((x - lo) * inv, 0.0, 1.0);
    }

    private static (double Lo, double Hi) ModalityRange(GrayscaleFrame frame, PixelPresentation p, NoVoiRange mode, int minStored, int maxStored,
        bool useTable, Func<int, double> modality)
    {
        if (mode == NoVoiRange.FullRange)
        {
            if (p.ModalityLut is { } lut) return (0, (1 << lut.BitsPerEntry) - 1);
            double a = modality(frame.MinStoredValue), b = modality(frame.MaxStoredValue);
            return (Math.Min(a, b), Math.Max(a, b));
        }
        if (p.ModalityLut is null)
        {
            // Rescale is monotonic, so the extremes come from the extreme stored values.
            double a = modality(minStored), b = modality(maxStored);
            return (Math.Min(a, b), Math.Max(a, b));
        }
        // A table need not be monotonic: take the extremes over the values actually present.
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        if (useTable)
        {
            var present = new bool[(long)maxStored - minStored + 1];
            foreach (int s in frame.StoredValues) present[s - minStored] = true;
            for (int i = 0; i < present.Length; i++)
            {
                if (!present[i]) continue;
                double m = modality(minStored + i);
                lo = Math.Min(lo, m);
                hi = Math.Max(hi, m);
            }
        }
        else
        {
            foreach (int s in frame.StoredValues)
            {
                double m = modality(s);
                lo = Math.Min(lo, m);
                hi = Math.Max(hi, m);
            }
        }
        return (lo, hi);
    }

    private static void Validate(LookupTable? lut, string what)
    {
        if (lut is null) return;
        if (lut.Entries.Length == 0) throw new ArgumentException($"{what} has no entries.");
        if (lut.BitsPerEntry is < 1 or > 16) throw new ArgumentException($"{what} has {lut.BitsPerEntry} bits per entry; 1-16 are allowed.");
    }

    private static int RoundToInt(double x) =>
        x <= int.MinValue ? int.MinValue : x >= int.MaxValue ? int.MaxValue : (int)Math.Round(x, MidpointRounding.AwayFromZero);

    private static (int Min, int Max) MinMax(int[] values)
    {
        if (values.Length == 0) return (0, 0);
        int min = int.MaxValue, max = int.MinValue;
        foreach (int v in values)
        {
            if (v < min) min = v;
            if (v > max) max = v;
        }
        return (min, max);
    }

    private static void ForEachChunk(int length, Action<int, int> body)
    {
        if (length < ParallelPixelThreshold)
        {
            body(0, length);
            return;
        }
        int chunks = Math.Min(Environment.ProcessorCount * 4, length / (ParallelPixelThreshold / 4));
        int size = (length + chunks - 1) / chunks;
        Parallel.For(0, chunks, c =>
        {
            int start = c * size;
            body(start, Math.Min(length, start + size));
        });
    }
}
