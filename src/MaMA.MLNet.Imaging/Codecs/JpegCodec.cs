using System.Runtime.InteropServices;
using JpegLibrary;
using MaMA.MLNet.Imaging.Dicom;

namespace MaMA.MLNet.Imaging.Codecs;

/// <summary>
/// JPEG processes 1 (baseline), 2-4 (extended, 12-bit) and 14 (lossless) through the managed JpegLibrary. Colour
/// components come out as coded (no YCbCr conversion): DICOM's photometric interpretation says what they are.
/// </summary>
public static class JpegCodec
{
    /// <summary>Decodes one frame into <paramref name="destination"/>: raw sample values, components interleaved per pixel.</summary>
    /// <exception cref="DicomFormatException">The code stream is malformed or its size disagrees with the DICOM header.</exception>
    public static void Decode(ReadOnlyMemory<byte> frame, DicomPixelDescription image, int[] destination, string source)
    {
        var decoder = new JpegDecoder();
        decoder.SetInput(frame);
        try
        {
            decoder.Identify();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new DicomFormatException(source, $"JPEG header does not parse: {e.Message}", e);
        }
        if (decoder.Width != image.Columns || decoder.Height != image.Rows || decoder.NumberOfComponents != image.SamplesPerPixel)
            throw new DicomFormatException(source,
                $"JPEG frame is {decoder.Width} x {decoder.Height} with {decoder.NumberOfComponents} component(s); the DICOM header says {image.Columns} x {image.Rows} with {image.SamplesPerPixel}");
        int precision = decoder.Precision;
        if (precision is < 2 or > 16) throw new DicomFormatException(source, $"JPEG sample precision {precision} is outside 2..16");
        bool lossless = decoder.StartOfFrame is JpegMarker.StartOfFrame3 or JpegMarker.StartOfFrame7 or JpegMarker.StartOfFrame11 or JpegMarker.StartOfFrame15;

        // Point transform (lossless scans may drop low bits): JpegLibrary does not shift them back, so we do.
        int pointTransform = lossless ? ReadPointTransform(frame.Span) : 0;
        var writer = new Writer(destination, image.Columns, image.Rows, image.SamplesPerPixel, precision, lossless, pointTransform);
        decoder.SetOutputWriter(writer);
        try
        {
            decoder.Decode();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new DicomFormatException(source, $"JPEG data does not decode: {e.Message}", e);
        }
    }

    /// <summary>The Al field of the first start-of-scan segment; 0 when none is found.</summary>
    private static int ReadPointTransform(ReadOnlySpan<byte> data)
    {
        int i = 2;
        while (i + 4 <= data.Length)
        {
            if (data[i] != 0xFF) return 0;
            byte marker = data[i + 1];
            if (marker == 0xFF) { i++; continue; }
            int length = (data[i + 2] << 8) | data[i + 3];
            if (marker == 0xDA)
            {
                int components = i + 4 < data.Length ? data[i + 4] : 0;
                int alIndex = i + 4 + 1 + 2 * components + 2;
                return alIndex < data.Length ? data[alIndex] & 0x0F : 0;
            }
            if (length < 2) return 0;
            i += 2 + length;
        }
        return 0;
    }

    /// <summary>
    /// Receives 8x8 blocks from JpegLibrary and stores their samples. Lossless samples are kept as 16-bit patterns
    /// (JpegLibrary holds them in shorts) and masked to the precision; DCT samples are clamped to the sample range,
    /// as libjpeg does.
    /// </summary>
    private sealed class Writer(int[] destination, int width, int height, int components, int precision, bool lossless, int pointTransform) : JpegBlockOutputWriter
    {
        private readonly int _max = (1 << precision) - 1;

        public override void WriteBlock(ref short blockRef, int componentIndex, int x, int y)
        {
            if (x >= width || y >= height || componentIndex >= components) return;
            int writeWidth = Math.Min(width - x, 8);
            int writeHeight = Math.Min(height - y, 8);
            var block = MemoryMarshal.CreateReadOnlySpan(ref blockRef, 64);
            for (int row = 0; row < writeHeight; row++)
            {
                int target = ((y + row) * width + x) * components + componentIndex;
                for (int col = 0; col < writeWidth; col++, target += components)
                {
                    int value = block[row * 8 + col];
                    destination[target] = lossless ? (value & _max) << pointTransform : Math.Clamp(value, 0, _max);
                }
            }
        }
    }
}
