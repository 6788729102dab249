using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Imaging.Pixels;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace MaMA.MLNet.Data.Phantom;

/// <summary>
/// 16-bit grayscale PNG (ImageSharp L16) for stored values: the values are written unscaled, so a 12-bit image
/// uses 0-4095 of the 16-bit range (it looks dark in ordinary viewers; that is the point: the numbers are the
/// stored values). Reading back needs BitsStored from elsewhere (the phantom's is 12).
/// </summary>
public sealed class PngMammogramImageWriter : IMammogramImageWriter
{
    /// <inheritdoc />
    public string Extension => ".png";

    /// <inheritdoc />
    public void Write(string path, GrayscaleFrame frame, MammogramRecord record)
    {
        if (frame.IsSigned || frame.BitsStored > 16)
            throw new ArgumentException($"PNG stores unsigned values of up to 16 bits; the frame has {(frame.IsSigned ? "signed " : "")}{frame.BitsStored}-bit values.", nameof(frame));
        using var image = new Image<L16>(frame.Width, frame.Height);
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                Span<L16> row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++) row[x] = new L16((ushort)Math.Clamp(frame.StoredValues[y * frame.Width + x], 0, 65535));
            }
        });
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".");
        // Fast settings: quantum noise makes the images nearly incompressible, so stronger compression buys little.
        image.SaveAsPng(path, new PngEncoder { BitDepth = PngBitDepth.Bit16, ColorType = PngColorType.Grayscale, CompressionLevel = PngCompressionLevel.BestSpeed, FilterMethod = PngFilterMethod.Sub });
    }
}

/// <summary>Reads a grayscale PNG (8 or 16 bit) into stored values.</summary>
public static class PngMammogramImageReader
{
    /// <summary>Reads <paramref name="path"/>; <paramref name="bitsStored"/> is what the values mean (12 for the phantom).</summary>
    /// <exception cref="InvalidDataException">The file is not a readable image.</exception>
    public static GrayscaleFrame Read(string path, int bitsStored = 16)
    {
        if (bitsStored is < 1 or > 16) throw new ArgumentOutOfRangeException(nameof(bitsStored), bitsStored, "Must be 1-16.");
        Image<L16> image;
        try
        {
            image = Image.Load<L16>(path);
        }
        catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException or NotSupportedException)
        {
            throw new InvalidDataException($"'{path}' is not a readable PNG image: {e.Message}", e);
        }
        using (image)
        {
            var values = new int[image.Width * image.Height];
            int width = image.Width;
            image.ProcessPixelRows(rows =>
            {
                for (int y = 0; y < rows.Height; y++)
                {
                    Span<L16> row = rows.GetRowSpan(y);
                    for (int x = 0; x < row.Length; x++) values[y * width + x] = row[x].PackedValue;
                }
            });
            return new GrayscaleFrame(image.Width, image.Height, values, bitsStored, false);
        }
    }
}
