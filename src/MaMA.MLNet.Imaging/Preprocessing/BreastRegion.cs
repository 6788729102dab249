using MaMA.MLNet.Imaging.Pixels;

namespace MaMA.MLNet.Imaging.Preprocessing;

/// <summary>A rectangle in pixel coordinates.</summary>
/// <param name="X">Left column.</param>
/// <param name="Y">Top row.</param>
/// <param name="Width">Columns.</param>
/// <param name="Height">Rows.</param>
public readonly record struct PixelBox(int X, int Y, int Width, int Height);

/// <summary>
/// Where the breast is: the bounding box of every foreground pixel (bin &gt; Otsu threshold) and how much
/// foreground lies in each half of the image.
/// </summary>
/// <remarks>
/// The box covers all foreground, not the largest connected region, because that is what the reference's
/// <c>OtsuCut</c> does (<c>np.any</c> over rows and columns of the Otsu mask). A burned-in label far from the
/// breast therefore widens the box, exactly as in the reference.
/// </remarks>
/// <param name="Box">Bounding box of the foreground, or null when there is none.</param>
/// <param name="LeftHalfCount">Foreground pixels in columns [0, Width / 2).</param>
/// <param name="RightHalfCount">Foreground pixels in columns [Width / 2, Width).</param>
/// <param name="Threshold">The Otsu threshold bin used.</param>
public sealed record BreastRegion(PixelBox? Box, long LeftHalfCount, long RightHalfCount, int Threshold)
{
    /// <summary>Finds the region with Otsu's threshold of the image.</summary>
    public static BreastRegion Find(FloatImage image) => Find(image, OtsuThreshold.Compute(image));

    /// <summary>Finds the region of pixels whose bin is above <paramref name="threshold"/>.</summary>
    public static BreastRegion Find(FloatImage image, int threshold)
    {
        ArgumentNullException.ThrowIfNull(image);
        int minX = int.MaxValue, maxX = -1, minY = int.MaxValue, maxY = -1;
        long left = 0, right = 0;
        int half = image.Width / 2;
        for (int y = 0; y < image.Height; y++)
        {
            ReadOnlySpan<float> row = image.Row(y);
            int first = -1, last = -1;
            for (int x = 0; x < row.Length; x++)
            {
                if (OtsuThreshold.BinOf(row[x]) <= threshold) continue;
                if (first < 0) first = x;
                last = x;
                if (x < half) left++; else right++;
            }
            if (first < 0) continue;
            minY = Math.Min(minY, y);
            maxY = y;
            minX = Math.Min(minX, first);
            maxX = Math.Max(maxX, last);
        }
        PixelBox? box = maxY < 0 ? null : new PixelBox(minX, minY, maxX - minX + 1, maxY - minY + 1);
        return new BreastRegion(box, left, right, threshold);
    }
}
