using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Imaging.Pixels;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace MaMA.MLNet.Data.Phantom;

/// <summary>
/// 16-bit grayscale PNG (ImageSharp L16) for stored values: the values are written unscaled, so a 12-bit image
/// uses 0-4095 of the 16-bit range (it looks dark in ordinary viewers; that is the point: the numbers are the
/// stored values). Imaging's <c>MammogramReader</c> reads them back unchanged (as 16-bit stored values; the
/// phantom's BitsStored, 12, comes from its options).
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
