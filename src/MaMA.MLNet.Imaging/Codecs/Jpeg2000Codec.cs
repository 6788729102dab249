using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using MaMA.MLNet.Imaging.Dicom;

namespace MaMA.MLNet.Imaging.Codecs;

/// <summary>
/// JPEG 2000 (reversible and irreversible, raw code stream or JP2 file) through OpenJPEG, read from memory with
/// stream callbacks. The code stream's size is checked against the DICOM header before OpenJPEG allocates the
/// image, and the values come back as OpenJPEG gives them (signed when the code stream says so); the caller
/// masks them to Bits Stored and applies the DICOM header's signedness.
/// </summary>
public static unsafe class Jpeg2000Codec
{
    private struct MemorySource
    {
        public byte* Data;
        public long Length;
        public long Position;
        public byte* ErrorText;
        public int ErrorLength;
    }

    private const int ErrorCapacity = 512;

    /// <summary>Decodes one frame into <paramref name="destination"/>: raw sample values, components interleaved per pixel.</summary>
    /// <exception cref="DicomFormatException">The code stream is malformed or disagrees with the DICOM header.</exception>
    /// <exception cref="DicomCodecMissingException">OpenJPEG (libopenjp2-7) is not installed.</exception>
    public static void Decode(ReadOnlySpan<byte> frame, DicomPixelDescription image, int[] destination, string source)
    {
        NativeCodecLibraries.Require(NativeCodecLibraries.OpenJpeg, source);
        bool isJp2 = frame.Length >= 12 && frame[..12].SequenceEqual((ReadOnlySpan<byte>)[0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A]);
        if (!isJp2 && !(frame.Length >= 4 && frame[0] == 0xFF && frame[1] == 0x4F && frame[2] == 0xFF && frame[3] == 0x51))
            throw new DicomFormatException(source, "JPEG 2000 frame starts with neither a code stream (FF 4F FF 51) nor a JP2 signature");

        nint codec = 0, stream = 0;
        OpenJpegNative.Image* decoded = null;
        void* parameters = NativeMemory.AllocZeroed(OpenJpegNative.DecoderParametersBytes);
        byte* errorText = stackalloc byte[ErrorCapacity];
        try
        {
            fixed (byte* data = frame)
            {
                var state = new MemorySource { Data = data, Length = frame.Length, ErrorText = errorText };
                codec = OpenJpegNative.opj_create_decompress(isJp2 ? OpenJpegNative.CodecJP2 : OpenJpegNative.CodecJ2K);
                if (codec == 0) throw new DicomFormatException(source, "OpenJPEG could not create a decoder");
                OpenJpegNative.opj_set_error_handler(codec, &OnError, &state);
                OpenJpegNative.opj_set_default_decoder_parameters(parameters);
                if (OpenJpegNative.opj_setup_decoder(codec, parameters) == 0) throw Failure(source, "set up the decoder", &state);
                // Large mammograms decode much faster on several threads; builds without thread support say no.
                OpenJpegNative.opj_codec_set_threads(codec, Math.Max(1, Environment.ProcessorCount));

                stream = OpenJpegNative.opj_stream_create(1 << 16, 1);
                if (stream == 0) throw new DicomFormatException(source, "OpenJPEG could not create a stream");
                OpenJpegNative.opj_stream_set_user_data(stream, &state, null);
                OpenJpegNative.opj_stream_set_user_data_length(stream, (ulong)frame.Length);
                OpenJpegNative.opj_stream_set_read_function(stream, &Read);
                OpenJpegNative.opj_stream_set_skip_function(stream, &Skip);
                OpenJpegNative.opj_stream_set_seek_function(stream, &Seek);

                if (OpenJpegNative.opj_read_header(stream, codec, &decoded) == 0 || decoded == null) throw Failure(source, "read the code stream header", &state);
                long width = (long)decoded->X1 - decoded->X0, height = (long)decoded->Y1 - decoded->Y0;
                if (width != image.Columns || height != image.Rows || decoded->NumComps != image.SamplesPerPixel)
                    throw new DicomFormatException(source,
                        $"JPEG 2000 image is {width} x {height} with {decoded->NumComps} component(s); the DICOM header says {image.Columns} x {image.Rows} with {image.SamplesPerPixel}");
                if (OpenJpegNative.opj_decode(codec, stream, decoded) == 0) throw Failure(source, "decode", &state);
                OpenJpegNative.opj_end_decompress(codec, stream);

                int components = image.SamplesPerPixel;
                int pixels = image.Rows * image.Columns;
                for (int c = 0; c < components; c++)
                {
                    var component = decoded->Comps[c];
                    if (component.W != image.Columns || component.H != image.Rows || component.Data == null)
                        throw new DicomFormatException(source, $"JPEG 2000 component {c} is {component.W} x {component.H} (subsampled components are not supported)");
                    var values = new ReadOnlySpan<int>(component.Data, pixels);
                    if (components == 1)
                    {
                        values.CopyTo(destination);
                    }
                    else
                    {
                        for (int p = 0, d = c; p < pixels; p++, d += components) destination[d] = values[p];
                    }
                }
            }
        }
        catch (EntryPointNotFoundException e)
        {
            throw NativeCodecLibraries.WrongVersion(NativeCodecLibraries.OpenJpeg, source, e);
        }
        finally
        {
            if (decoded != null) OpenJpegNative.opj_image_destroy(decoded);
            if (stream != 0) OpenJpegNative.opj_stream_destroy(stream);
            if (codec != 0) OpenJpegNative.opj_destroy_codec(codec);
            NativeMemory.Free(parameters);
        }
    }

    private static DicomFormatException Failure(string source, string step, MemorySource* state)
    {
        string detail = state->ErrorLength > 0 ? ": " + Encoding.ASCII.GetString(state->ErrorText, state->ErrorLength).Trim() : "";
        return new DicomFormatException(source, $"OpenJPEG could not {step} of the JPEG 2000 frame{detail}");
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnError(byte* message, void* userData)
    {
        // Keep the first error: later ones are usually consequences of it.
        var state = (MemorySource*)userData;
        if (state->ErrorLength > 0 || message == null) return;
        int length = 0;
        while (length < ErrorCapacity && message[length] != 0) length++;
        Buffer.MemoryCopy(message, state->ErrorText, ErrorCapacity, length);
        state->ErrorLength = length;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nuint Read(void* buffer, nuint count, void* userData)
    {
        var state = (MemorySource*)userData;
        long left = state->Length - state->Position;
        if (left <= 0) return unchecked((nuint)(-1));
        long n = Math.Min((long)count, left);
        Buffer.MemoryCopy(state->Data + state->Position, buffer, (long)count, n);
        state->Position += n;
        return (nuint)n;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static long Skip(long count, void* userData)
    {
        var state = (MemorySource*)userData;
        long target = Math.Clamp(state->Position + count, 0, state->Length);
        long skipped = target - state->Position;
        state->Position = target;
        return skipped == 0 && count != 0 ? -1 : skipped;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Seek(long position, void* userData)
    {
        var state = (MemorySource*)userData;
        if (position < 0 || position > state->Length) return 0;
        state->Position = position;
        return 1;
    }
}
