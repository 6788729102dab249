using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using MaMA.MLNet.Imaging.Codecs;

namespace MaMA.MLNet.Imaging.Dicom;

/// <summary>
/// Turns the pixel data of a parsed file into stored values: one frame at a time, samples interleaved per pixel,
/// each value shifted down from High Bit, masked to Bits Stored and sign-extended when Pixel Representation is 1
/// (the canonical form of the conformance set). Native data is unpacked straight from the file's bytes;
/// encapsulated data goes through the codec its transfer syntax names.
/// </summary>
public static class DicomPixelDecoder
{
    /// <summary>Decodes frame <paramref name="frame"/> into a new array of <see cref="DicomPixelDescription.ValuesPerFrame"/> values.</summary>
    /// <exception cref="DicomException">The pixel data is missing, malformed, or needs a codec that is not available.</exception>
    /// <exception cref="DecodeLimitExceededException">The frame is larger than <see cref="DecodeLimits.MaxPixels"/> of <see cref="DecodeLimits.Default"/>.</exception>
    public static int[] DecodeFrame(DicomFile file, int frame) => DecodeFrame(file, frame, DecodeLimits.Default);

    /// <summary>Decodes frame <paramref name="frame"/> into a new array, after checking its size against <paramref name="limits"/>.</summary>
    /// <exception cref="DicomException">The pixel data is missing, malformed, or needs a codec that is not available.</exception>
    /// <exception cref="DecodeLimitExceededException">The frame is larger than <see cref="DecodeLimits.MaxPixels"/>.</exception>
    public static int[] DecodeFrame(DicomFile file, int frame, DecodeLimits limits)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(limits);
        var image = DicomPixelDescription.FromDataset(file.Dataset);
        limits.CheckFrame(file.Source, "DICOM", image.Columns, image.Rows, image.SamplesPerPixel);
        using var admitted = limits.Admit(image.ValuesPerFrame);
        var values = new int[image.ValuesPerFrame];
        DecodeFrame(file, image, frame, values);
        return values;
    }

    /// <summary>Decodes frame <paramref name="frame"/> into <paramref name="destination"/> (at least <see cref="DicomPixelDescription.ValuesPerFrame"/> long).</summary>
    /// <exception cref="DicomException">The pixel data is missing, malformed, or needs a codec that is not available.</exception>
    public static void DecodeFrame(DicomFile file, DicomPixelDescription image, int frame, int[] destination)
    {
        string source = file.Source;
        if (frame < 0 || frame >= image.Frames)
            throw new DicomException(source, $"frame {frame} requested; the file has {image.Frames} frame(s)");
        if (destination.Length < image.ValuesPerFrame) throw new ArgumentException("destination is shorter than one frame", nameof(destination));
        var dataset = file.Dataset;
        var pixelData = dataset.Find(DicomTags.PixelData);
        if (pixelData is null)
        {
            if (dataset.Contains(DicomTags.FloatPixelData) || dataset.Contains(DicomTags.DoubleFloatPixelData))
                throw new DicomUnsupportedException(source, "float pixel data (7FE0,0008/0009) is not read");
            throw new DicomFormatException(source, "the data set has no Pixel Data (7FE0,0010)");
        }

        if (pixelData.Fragments is null)
        {
            if (file.TransferSyntax.IsEncapsulated && file.TransferSyntax.Encoding != PixelEncoding.Unsupported)
                throw new DicomFormatException(source, $"{file.TransferSyntax.Name} needs encapsulated pixel data, but (7FE0,0010) at offset {pixelData.Offset} has a defined length");
            UnpackNative(pixelData, dataset.BigEndian, image, frame, destination, source);
            Normalize(destination.AsSpan(0, image.ValuesPerFrame), image.BitsStored, image.HighBit, image.IsSigned);
            return;
        }

        var fragments = DicomFrameLocator.FindFrame(dataset, pixelData, frame, image.Frames);
        byte[]? joined = null;
        try
        {
            ReadOnlyMemory<byte> bytes;
            if (fragments.Count == 1)
            {
                bytes = fragments[0];
            }
            else
            {
                int total = 0;
                foreach (var fragment in fragments) total += fragment.Length; // fragments lie inside one array, so no overflow
                joined = ArrayPool<byte>.Shared.Rent(total);
                int position = 0;
                foreach (var fragment in fragments)
                {
                    fragment.Span.CopyTo(joined.AsSpan(position));
                    position += fragment.Length;
                }
                bytes = joined.AsMemory(0, total);
            }
            string where = image.Frames > 1 ? $"{source} (frame {frame})" : source;
            switch (file.TransferSyntax.Encoding)
            {
                case PixelEncoding.Jpeg: JpegCodec.Decode(bytes, image, destination, where); break;
                case PixelEncoding.JpegLs: JpegLsCodec.Decode(bytes.Span, image, destination, where); break;
                case PixelEncoding.Jpeg2000: Jpeg2000Codec.Decode(bytes.Span, image, destination, where); break;
                case PixelEncoding.Rle: RleCodec.Decode(bytes.Span, image, destination, where); break;
                case PixelEncoding.Unsupported:
                    throw new DicomUnsupportedException(source, $"transfer syntax {file.TransferSyntax.Uid} is not supported");
                default:
                    throw new DicomFormatException(source, $"pixel data is encapsulated, but the transfer syntax {file.TransferSyntax.Uid} is native");
            }
        }
        finally
        {
            if (joined is not null) ArrayPool<byte>.Shared.Return(joined);
        }
        // Compressed samples carry no padding bits below Bits Stored: High Bit is Bits Stored - 1 for them.
        Normalize(destination.AsSpan(0, image.ValuesPerFrame), image.BitsStored, image.BitsStored - 1, image.IsSigned);
    }

    /// <summary>
    /// Moves the bits [HighBit - BitsStored + 1, HighBit] of each raw value to the bottom, dropping the rest, and
    /// sign-extends when signed: one shift left to put High Bit at bit 31, one shift right (arithmetic or logical).
    /// </summary>
    internal static void Normalize(Span<int> values, int bitsStored, int highBit, bool signed)
    {
        int left = 31 - highBit, right = 32 - bitsStored;
        if (signed)
        {
            for (int i = 0; i < values.Length; i++) values[i] = (values[i] << left) >> right;
        }
        else if (left != 0 || right != 0)
        {
            for (int i = 0; i < values.Length; i++) values[i] = (int)(((uint)values[i] << left) >> right);
        }
    }

    private static void UnpackNative(DicomElement pixelData, bool bigEndian, DicomPixelDescription image, int frame, int[] destination, string source)
    {
        var span = pixelData.Value.Span;
        int count = image.ValuesPerFrame;
        long frameBits = (long)count * image.BitsAllocated;
        if (image.SamplesPerPixel == 3 && image.PhotometricInterpretation is "YBR_FULL_422" or "YBR_PARTIAL_422")
            throw new DicomUnsupportedException(source, $"native {image.PhotometricInterpretation} (subsampled chroma) is not read");
        long firstBit = frameBits * frame;
        long neededBytes = (firstBit + frameBits + 7) / 8;
        if (neededBytes > span.Length)
            throw new DicomFormatException(source, $"Pixel Data (7FE0,0010) at offset {pixelData.Offset} holds {span.Length} bytes; frame {frame} of {image.Rows} x {image.Columns} x {image.SamplesPerPixel} at {image.BitsAllocated} bits needs {neededBytes}");
        var values = destination.AsSpan(0, count);
        switch (image.BitsAllocated)
        {
            case 1:
                for (int i = 0; i < count; i++)
                {
                    long bit = firstBit + i;
                    values[i] = (span[(int)(bit >> 3)] >> (int)(bit & 7)) & 1;
                }
                break;
            case 8:
            {
                int start = (int)(firstBit / 8);
                if (bigEndian && pixelData.VR == DicomVR.OW)
                {
                    // OW is a stream of 16-bit words, byte-swapped as a whole in big endian: 8-bit values swap in pairs.
                    for (int i = 0; i < count; i++)
                    {
                        int index = (start + i) ^ 1;
                        values[i] = index < span.Length ? span[index] : 0;
                    }
                }
                else
                {
                    var bytes = span.Slice(start, count);
                    for (int i = 0; i < count; i++) values[i] = bytes[i];
                }
                break;
            }
            case 16:
            {
                var words = MemoryMarshal.Cast<byte, ushort>(span.Slice((int)(firstBit / 8), 2 * count));
                if (bigEndian) for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReverseEndianness(words[i]);
                else for (int i = 0; i < count; i++) values[i] = words[i];
                break;
            }
            case 32:
            {
                var words = MemoryMarshal.Cast<byte, int>(span.Slice((int)(firstBit / 8), 4 * count));
                if (bigEndian) for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReverseEndianness(words[i]);
                else words.CopyTo(values);
                break;
            }
        }
        if (image.SamplesPerPixel > 1 && image.IsPlanar) Interleave(values, image.Rows * image.Columns, image.SamplesPerPixel);
    }

    /// <summary>Planar configuration 1 (RRR...GGG...BBB...) to pixel-interleaved (RGBRGB...).</summary>
    private static void Interleave(Span<int> values, int pixels, int samples)
    {
        var planar = ArrayPool<int>.Shared.Rent(values.Length);
        try
        {
            values.CopyTo(planar);
            for (int s = 0; s < samples; s++)
            for (int p = 0; p < pixels; p++)
                values[p * samples + s] = planar[s * pixels + p];
        }
        finally
        {
            ArrayPool<int>.Shared.Return(planar);
        }
    }
}
