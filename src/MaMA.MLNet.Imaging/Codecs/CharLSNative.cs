using System.Runtime.InteropServices;

namespace MaMA.MLNet.Imaging.Codecs;

/// <summary>The slice of the CharLS 2.x C API (charls_jpegls_decoder.h) that decoding from memory needs.</summary>
internal static unsafe partial class CharLSNative
{
    /// <summary>charls_frame_info.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct FrameInfo
    {
        public uint Width;
        public uint Height;
        public int BitsPerSample;
        public int ComponentCount;
    }

    /// <summary>charls_interleave_mode.</summary>
    public enum InterleaveMode
    {
        None = 0,
        Line = 1,
        Sample = 2,
    }

    [LibraryImport(NativeCodecLibraries.CharLS)] public static partial nint charls_jpegls_decoder_create();
    [LibraryImport(NativeCodecLibraries.CharLS)] public static partial void charls_jpegls_decoder_destroy(nint decoder);
    [LibraryImport(NativeCodecLibraries.CharLS)] public static partial int charls_jpegls_decoder_set_source_buffer(nint decoder, void* source, nuint sizeBytes);
    [LibraryImport(NativeCodecLibraries.CharLS)] public static partial int charls_jpegls_decoder_read_header(nint decoder);
    [LibraryImport(NativeCodecLibraries.CharLS)] public static partial int charls_jpegls_decoder_get_frame_info(nint decoder, FrameInfo* frameInfo);
    [LibraryImport(NativeCodecLibraries.CharLS)] public static partial int charls_jpegls_decoder_get_interleave_mode(nint decoder, InterleaveMode* mode);
    [LibraryImport(NativeCodecLibraries.CharLS)] public static partial int charls_jpegls_decoder_get_destination_size(nint decoder, uint stride, nuint* sizeBytes);
    [LibraryImport(NativeCodecLibraries.CharLS)] public static partial int charls_jpegls_decoder_decode_to_buffer(nint decoder, void* destination, nuint sizeBytes, uint stride);
    [LibraryImport(NativeCodecLibraries.CharLS)] public static partial byte* charls_get_error_message(int error);
}
