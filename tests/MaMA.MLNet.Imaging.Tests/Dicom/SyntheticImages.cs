using MaMA.MLNet.Imaging.Pixels;

namespace MaMA.MLNet.Imaging.Tests.Dicom;

/// <summary>Deterministic test images: a smooth gradient with a bright disc and noise, spanning the whole stored range.</summary>
public static class SyntheticImages
{
    public static GrayscaleFrame Create(int bitsStored, bool signed, int width = 67, int height = 45, int seed = 7)
    {
        var random = new Random(seed);
        var frame = new GrayscaleFrame(width, height, new int[width * height], bitsStored, signed);
        long min = frame.MinStoredValue, max = frame.MaxStoredValue;
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        {
            double t = (x + y) / (double)(width + height - 2);
            double disc = Math.Pow(x - width / 2.0, 2) + Math.Pow(y - height / 2.0, 2) < height * height / 9.0 ? 0.25 : 0;
            double noise = (random.NextDouble() - 0.5) * 0.1;
            double fraction = Math.Clamp(t * 0.75 + disc + noise, 0, 1);
            frame.StoredValues[y * width + x] = (int)Math.Round(min + fraction * (max - min));
        }
        // The extremes themselves, so sign and top bits are exercised.
        frame.StoredValues[0] = (int)min;
        frame.StoredValues[^1] = (int)max;
        return frame;
    }
}
