using System.Buffers;
using System.Runtime.InteropServices;
using MaMA.MLNet.Imaging.Dicom;

namespace MaMA.MLNet.Imaging.Codecs;

/// <summary>
/// JPEG-LS lossless and near-lossless through CharLS. The frame size is checked against the DICOM header
/// before the output buffer is taken; samples come back as unsigned bit patterns (JPEG-LS has no sign), which
/// the caller masks and sign-extends as the DICOM header says.
/// </summary>
public static unsafe class JpegLsCodec
{
    /// <summary>Decodes one frame into <paramref name="destination"/>: raw sample values, components interleaved per pixel.</summary>
    /// <exception cref="DicomFormatException">The code stream is malformed or disagrees with the DICOM header.</exception>
    /// <exception cref="DicomCodecMissingException">CharLS (libcharls2) is not installed.</exception>
    public static void Decode(ReadOnlySpan<byte> frame, DicomPixelDescription image, int[] destination, string source)
    {
        NativeCodecLibraries.Require(NativeCodecLibraries.CharLS, source);
        nint decoder = 0;
        byte[]? buffer = null;
        try
        {
            decoder = CharLSNative.charls_jpegls_decoder_create();
            if (decoder == 0) throw new DicomFormatException(source, "CharLS could not create a decoder");
            fixed (byte* data = frame)
            {
                Check(CharLSNative.charls_jpegls_decoder_set_source_buffer(decoder, data, (nuint)frame.Length), "take the frame", source);
                Check(CharLSNative.charls_jpegls_decoder_read_header(decoder), "read the header", source);
                CharLSNative.FrameInfo info;
                Check(CharLSNative.charls_jpegls_decoder_get_frame_info(decoder, &info), "read the frame info", source);
                if (info.Width != image.Columns || info.Height != image.Rows || info.ComponentCount != image.SamplesPerPixel)
                    throw new DicomFormatException(source,
                        $"JPEG-LS frame is {info.Width} x {info.Height} with {info.ComponentCount} component(s); the DICOM header says {image.Columns} x {image.Rows} with {image.SamplesPerPixel}");
                if (info.BitsPerSample is < 2 or > 16) throw new DicomFormatException(source, $"JPEG-LS sample precision {info.BitsPerSample} is outside 2..16");
                CharLSNative.InterleaveMode mode;
                Check(CharLSNative.charls_jpegls_decoder_get_interleave_mode(decoder, &mode), "read the interleave mode", source);

                int bytesPerSample = info.BitsPerSample > 8 ? 2 : 1;
                int pixels = image.Rows * image.Columns;
                int size = pixels * image.SamplesPerPixel * bytesPerSample;
                nuint needed;
                Check(CharLSNative.charls_jpegls_decoder_get_destination_size(decoder, 0, &needed), "size the output", source);
                if (needed != (nuint)size) throw new DicomFormatException(source, $"CharLS needs {needed} output bytes; the DICOM header implies {size}");
                buffer = ArrayPool<byte>.Shared.Rent(size);
                fixed (byte* output = buffer)
                {
                    Check(CharLSNative.charls_jpegls_decoder_decode_to_buffer(decoder, output, (nuint)size, 0), "decode", source);
                }
                Unpack(buffer.AsSpan(0, size), bytesPerSample, image, mode, destination);
            }
        }
        catch (EntryPointNotFoundException e)
        {
            throw NativeCodecLibraries.WrongVersion(NativeCodecLibraries.CharLS, source, e);
        }
        finally
        {
            if (decoder != 0) CharLSNative.charls_jpegls_decoder_destroy(decoder);
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Turns CharLS's output (planar, line- or sample-interleaved) into pixel-interleaved values.</summary>
    private static void Unpack(ReadOnlySpan<byte> bytes, int bytesPerSample, DicomPixelDescription image, CharLSNative.InterleaveMode mode, int[] destination)
    {
        int components = image.SamplesPerPixel, width = image.Columns, height = image.Rows;
        ReadOnlySpan<ushort> words = bytesPerSample == 2 ? MemoryMarshal.Cast<byte, ushort>(bytes) : default;
        if (components == 1 || mode == CharLSNative.InterleaveMode.Sample)
        {
            int count = width * height * components;
            if (bytesPerSample == 2) for (int i = 0; i < count; i++) destination[i] = words[i];
            else for (int i = 0; i < count; i++) destination[i] = bytes[i];
            return;
        }
        for (int y = 0; y < height; y++)
        for (int c = 0; c < components; c++)
        for (int x = 0; x < width; x++)
        {
            int source = mode == CharLSNative.InterleaveMode.Line
                ? (y * components + c) * width + x
                : (c * height + y) * width + x;
            destination[(y * width + x) * components + c] = bytesPerSample == 2 ? words[source] : bytes[source];
        }
    }

    private static void Check(int error, string step, string source)
    {
        if (error == 0) return;
        string message = Marshal.PtrToStringUTF8((nint)CharLSNative.charls_get_error_message(error)) ?? $"error {error}";
        throw new DicomFormatException(source, $"CharLS could not {step} of the JPEG-LS frame: {message}");
    }
}
