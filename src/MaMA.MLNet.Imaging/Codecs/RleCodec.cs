using System.Buffers;
using System.Buffers.Binary;
using MaMA.MLNet.Imaging.Dicom;

namespace MaMA.MLNet.Imaging.Codecs;

/// <summary>
/// DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header with up to 15 segment offsets, one PackBits-coded segment
/// per byte plane (most significant byte first, sample after sample). Encoding is here too, for the writer.
/// </summary>
public static class RleCodec
{
    private const int HeaderBytes = 64;

    /// <summary>Decodes one frame into <paramref name="destination"/>: raw sample values, samples interleaved per pixel.</summary>
    /// <exception cref="DicomFormatException">The RLE data is malformed or decodes to the wrong size.</exception>
    public static void Decode(ReadOnlySpan<byte> frame, DicomPixelDescription image, int[] destination, string source)
    {
        if (image.BitsAllocated == 1) throw new DicomUnsupportedException(source, "RLE with 1-bit pixels");
        int bytesPerSample = image.BitsAllocated / 8;
        int expectedSegments = bytesPerSample * image.SamplesPerPixel;
        int pixels = image.Rows * image.Columns;
        if (frame.Length < HeaderBytes) throw new DicomFormatException(source, $"RLE frame of {frame.Length} bytes is shorter than its 64-byte header");
        uint segmentCount = BinaryPrimitives.ReadUInt32LittleEndian(frame);
        if (segmentCount != expectedSegments)
            throw new DicomFormatException(source, $"RLE header declares {segmentCount} segments; {image.SamplesPerPixel} sample(s) of {image.BitsAllocated} bits need {expectedSegments}");

        Array.Clear(destination, 0, pixels * image.SamplesPerPixel);
        byte[] plane = ArrayPool<byte>.Shared.Rent(pixels);
        try
        {
            for (int segment = 0; segment < expectedSegments; segment++)
            {
                uint start = BinaryPrimitives.ReadUInt32LittleEndian(frame[(4 + 4 * segment)..]);
                uint end = segment + 1 < expectedSegments ? BinaryPrimitives.ReadUInt32LittleEndian(frame[(8 + 4 * segment)..]) : (uint)frame.Length;
                if (start < HeaderBytes || start > end || end > frame.Length)
                    throw new DicomFormatException(source, $"RLE segment {segment + 1} spans bytes {start}..{end} of a {frame.Length}-byte frame");
                int produced = DecodePackBits(frame[(int)start..(int)end], plane.AsSpan(0, pixels));
                if (produced < pixels)
                    throw new DicomFormatException(source, $"RLE segment {segment + 1} decodes to {produced} bytes; the image needs {pixels}");

                int sample = segment / bytesPerSample;
                int shift = 8 * (bytesPerSample - 1 - segment % bytesPerSample);
                int stride = image.SamplesPerPixel;
                for (int p = 0, d = sample; p < pixels; p++, d += stride)
                    destination[d] |= plane[p] << shift;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(plane);
        }
    }

    /// <summary>
    /// Decodes one PackBits segment into <paramref name="output"/> and returns the bytes written; output beyond the
    /// buffer (segment padding) is dropped. Every step consumes input, so it always ends.
    /// </summary>
    internal static int DecodePackBits(ReadOnlySpan<byte> input, Span<byte> output)
    {
        int i = 0, o = 0;
        while (i < input.Length && o < output.Length)
        {
            int n = (sbyte)input[i++];
            if (n >= 0)
            {
                int count = Math.Min(n + 1, Math.Min(input.Length - i, output.Length - o));
                input.Slice(i, count).CopyTo(output[o..]);
                i += n + 1;
                o += count;
            }
            else if (n != -128)
            {
                if (i >= input.Length) break;
                int count = Math.Min(1 - n, output.Length - o);
                output.Slice(o, count).Fill(input[i++]);
                o += count;
            }
        }
        return o;
    }

    /// <summary>
    /// Encodes one frame of stored values (samples interleaved) as a DICOM RLE frame: header plus one segment per
    /// byte plane, each padded to even length.
    /// </summary>
    public static byte[] Encode(ReadOnlySpan<int> values, int rows, int columns, int samplesPerPixel, int bitsAllocated)
    {
        if (bitsAllocated is not (8 or 16 or 32)) throw new ArgumentOutOfRangeException(nameof(bitsAllocated), "RLE encodes 8, 16 or 32 bits allocated");
        int bytesPerSample = bitsAllocated / 8;
        int segments = bytesPerSample * samplesPerPixel;
        if (segments > 15) throw new ArgumentOutOfRangeException(nameof(samplesPerPixel), "RLE allows at most 15 segments");
        int pixels = rows * columns;
        var output = new MemoryStream();
        output.Write(new byte[HeaderBytes]);
        var offsets = new uint[segments];
        var plane = new byte[pixels];
        for (int segment = 0; segment < segments; segment++)
        {
            int sample = segment / bytesPerSample;
            int shift = 8 * (bytesPerSample - 1 - segment % bytesPerSample);
            for (int p = 0; p < pixels; p++) plane[p] = (byte)(values[p * samplesPerPixel + sample] >> shift);
            offsets[segment] = (uint)output.Length;
            // PS3.5 G.3.1: each row is encoded separately so a run never crosses a row boundary.
            for (int row = 0; row < rows; row++) EncodePackBits(plane.AsSpan(row * columns, columns), output);
            if ((output.Length & 1) == 1) output.WriteByte(0);
        }
        var bytes = output.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)segments);
        for (int s = 0; s < segments; s++) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4 + 4 * s), offsets[s]);
        return bytes;
    }

    private static void EncodePackBits(ReadOnlySpan<byte> row, Stream output)
    {
        int i = 0;
        while (i < row.Length)
        {
            int run = 1;
            while (i + run < row.Length && run < 128 && row[i + run] == row[i]) run++;
            if (run >= 2)
            {
                output.WriteByte((byte)(1 - run));
                output.WriteByte(row[i]);
                i += run;
                continue;
            }
            // A literal stretch lasts until the next run of two or more equal bytes.
            int start = i;
            while (i < row.Length && i - start < 128 && !(i + 1 < row.Length && row[i + 1] == row[i])) i++;
            if (i == start) i++; // cannot happen for run == 1, but keeps the loop advancing
            output.WriteByte((byte)(i - start - 1));
            output.Write(row[start..i]);
        }
    }
}
