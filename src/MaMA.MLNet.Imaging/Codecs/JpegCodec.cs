using System.Runtime.InteropServices;
using JpegLibrary;
using MaMA.MLNet.Imaging.Dicom;

namespace MaMA.MLNet.Imaging.Codecs;

/// <summary>
/// JPEG for DICOM: processes 1 (baseline) and 2-4 (extended, 12-bit) through the managed JpegLibrary, process 14
/// (lossless) through <see cref="JpegLosslessDecoder"/>. Colour components come out as coded (no YCbCr
/// conversion): DICOM's photometric interpretation says what they are.
/// </summary>
public static class JpegCodec
{
    /// <summary>Decodes one frame into <paramref name="destination"/>: raw sample values, components interleaved per pixel.</summary>
    /// <exception cref="DicomFormatException">The code stream is malformed or its size disagrees with the DICOM header.</exception>
    public static void Decode(ReadOnlyMemory<byte> frame, DicomPixelDescription image, int[] destination, string source)
    {
        if (JpegLosslessDecoder.IsLossless(frame.Span))
        {
            JpegLosslessDecoder.Decode(frame.Span, image, destination, source);
            return;
        }
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
        if (decoder.StartOfFrame is not (JpegMarker.StartOfFrame0 or JpegMarker.StartOfFrame1 or JpegMarker.StartOfFrame2))
            throw new DicomUnsupportedException(source, $"JPEG frame type {decoder.StartOfFrame} (only Huffman-coded baseline, extended, progressive and lossless are read)");
        if (decoder.Width != image.Columns || decoder.Height != image.Rows || decoder.NumberOfComponents != image.SamplesPerPixel)
            throw new DicomFormatException(source,
                $"JPEG frame is {decoder.Width} x {decoder.Height} with {decoder.NumberOfComponents} component(s); the DICOM header says {image.Columns} x {image.Rows} with {image.SamplesPerPixel}");
        int precision = decoder.Precision;
        if (precision is not (8 or 12)) throw new DicomFormatException(source, $"DCT JPEG sample precision {precision} is neither 8 nor 12");
        decoder.SetOutputWriter(new Writer(destination, image.Columns, image.Rows, image.SamplesPerPixel, precision));
        try
        {
            decoder.Decode();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new DicomFormatException(source, $"JPEG data does not decode: {e.Message}", e);
        }
    }

    /// <summary>Receives 8x8 blocks of level-shifted IDCT output and stores them clamped to the sample range, as libjpeg does.</summary>
    private sealed class Writer(int[] destination, int width, int height, int components, int precision) : JpegBlockOutputWriter
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
                    destination[target] = Math.Clamp((int)block[row * 8 + col], 0, _max);
            }
        }
    }
}
