using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Pixels;
using MaMA.MLNet.Imaging.Preprocessing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace MaMA.MLNet.Data.ReferenceExport;

/// <summary>An 8-bit grayscale image, row by row.</summary>
/// <param name="Width">Columns.</param>
/// <param name="Height">Rows.</param>
/// <param name="Pixels">Width x Height values.</param>
public sealed record Gray8Image(int Width, int Height, byte[] Pixels);

/// <summary>
/// The reference's image preparation (XYPB/MaMA <c>scripts/resize_embed.py</c>, <c>read_from_dicom</c> and
/// <c>resize_img</c>): the stored values scaled to 8 bits by their maximum (<c>cv2.convertScaleAbs(x, alpha=255/x.max())</c>:
/// |x * alpha| in single precision, rounded half to even, saturated), inverted for MONOCHROME1
/// (<c>cv2.bitwise_not</c>), then the long side resized to <see cref="ReferenceLayout.ImageLongSide"/> with the short
/// side truncated (<c>int(short * long_side / long)</c>), no padding, <c>cv2.INTER_AREA</c> (<see cref="AreaResampler"/>).
/// No modality LUT, VOI window or crop: the reference applies none (its data loader pads to square and resizes again
/// at training time).
/// </summary>
public static class ReferenceImageConverter
{
    /// <summary>The size the reference resizes a <paramref name="width"/> x <paramref name="height"/> image to.</summary>
    /// <exception cref="ArgumentException">The short side would become zero pixels (an extreme aspect ratio).</exception>
    public static (int Width, int Height) TargetSize(int width, int height, int longSide)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(longSide, 1);
        // resize_img: size = img.shape (h, w); max_ind = size.index(max(size)), so a square image counts as "higher".
        int w, h;
        if (height >= width) { h = longSide; w = (int)(width * (longSide / (double)height)); }
        else { w = longSide; h = (int)(height * (longSide / (double)width)); }
        if (w < 1 || h < 1)
            throw new ArgumentException($"a {width} x {height} image resized to a long side of {longSide} has a side of zero pixels.");
        return (w, h);
    }

    /// <summary>The stored values of <paramref name="frame"/> scaled to 8 bits by their maximum, inverted when <paramref name="monochrome1"/>.</summary>
    /// <exception cref="ArgumentException">No value is above zero (the reference divides by the maximum).</exception>
    public static byte[] ScaleToBytes(GrayscaleFrame frame, bool monochrome1)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var values = frame.StoredValues;
        int max = int.MinValue;
        foreach (int v in values) if (v > max) max = v;
        if (max <= 0) throw new ArgumentException($"no pixel value is above zero (largest {max}), so there is nothing to scale by.");
        float alpha = (float)(255.0 / max);
        var bytes = new byte[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            int b = Math.Clamp((int)MathF.Round(MathF.Abs(values[i] * alpha), MidpointRounding.ToEven), 0, 255);
            bytes[i] = (byte)(monochrome1 ? 255 - b : b);
        }
        return bytes;
    }

    /// <summary>The reference's 8-bit image of <paramref name="mammogram"/>, resized to a long side of <paramref name="longSide"/>.</summary>
    public static Gray8Image Convert(Mammogram mammogram, int longSide)
    {
        ArgumentNullException.ThrowIfNull(mammogram);
        var frame = mammogram.Frame;
        bool monochrome1 = mammogram.Presentation.PhotometricInterpretation.Equals("MONOCHROME1", StringComparison.OrdinalIgnoreCase);
        var bytes = ScaleToBytes(frame, monochrome1);
        var (w, h) = TargetSize(frame.Width, frame.Height, longSide);
        return new Gray8Image(w, h, AreaResampler.Resize(bytes, frame.Width, frame.Height, w, h));
    }

    /// <summary>
    /// Writes <paramref name="image"/> as a baseline JPEG. The reference saves with PIL's defaults (quality 75) as RGB;
    /// its loader reads the file back as grayscale (<c>cv2.imread(path, 0)</c>), so one luminance channel carries all it
    /// uses (measured: the two decode to the same grey levels within 0.03 on average, see docs/design/reference-export.md).
    /// </summary>
    public static void WriteJpeg(Gray8Image image, Stream stream, int quality = ReferenceLayout.JpegQuality)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(stream);
        using var picture = Image.LoadPixelData<L8>(image.Pixels, image.Width, image.Height);
        picture.SaveAsJpeg(stream, new JpegEncoder { Quality = quality, ColorType = JpegColorType.Luminance });
    }
}
