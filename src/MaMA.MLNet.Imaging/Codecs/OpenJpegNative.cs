using System.Runtime.InteropServices;

namespace MaMA.MLNet.Imaging.Codecs;

/// <summary>The slice of the OpenJPEG 2.x C API (openjpeg.h) that decoding from memory needs.</summary>
internal static unsafe partial class OpenJpegNative
{
    public const int CodecJ2K = 0;
    public const int CodecJP2 = 2;

    /// <summary>opj_dparameters_t is about 8.3 KB (two 4096-byte paths); this leaves room for any 2.x layout.</summary>
    public const int DecoderParametersBytes = 16384;

    /// <summary>Leading fields of opj_image_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Image
    {
        public uint X0, Y0, X1, Y1, NumComps;
        public int ColorSpace;
        public ImageComponent* Comps;
    }

    /// <summary>opj_image_comp_t of OpenJPEG 2.x (bpp is deprecated in 2.5 but still in the layout).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ImageComponent
    {
        public uint Dx, Dy, W, H, X0, Y0, Prec, Bpp, Sgnd, ResnoDecoded, Factor;
        public int* Data;
        public ushort Alpha;
    }

    [LibraryImport(NativeCodecLibraries.OpenJpeg)] public static partial nint opj_create_decompress(int format);
    [LibraryImport(NativeCodecLibraries.OpenJpeg)] public static partial void opj_set_default_decoder_parameters(void* parameters);
    [LibraryImport(NativeCodecLibraries.OpenJpeg)] public static partial int opj_setup_decoder(nint codec, void* parameters);
    [LibraryImport(NativeCodecLibraries.OpenJpeg)] public static partial int opj_codec_set_threads(nint codec, int threads);
    [LibraryImport(NativeCodecLibraries.OpenJpeg)] public static partial nint opj_stream_create(nuint bufferSize, int isInput);
    [LibraryImport(NativeCodecLibraries.OpenJpeg)] public static partial void opj_stream_set_read_function(nint stream, delegate* unmanaged[Cdecl]<void*, nuint, void*, nuint> read);
    [LibraryImport(NativeCodecLibraries.OpenJpeg)] public static partial void opj_stream_set_skip_function(nint stream, delegate* unmanaged[Cdecl]<long, void*, long> skip);
    [LibraryImport(NativeCodecLibraries.OpenJpeg)] public static partial void opj_stream_set_seek_function(nint stream, delegate* unmanaged[Cdecl]<long, void*, int> seek);
    [LibraryImport(NativeCodecLibraries.OpenJpeg)] public static partial void opj_stream_set_user_data(nint stream, void* data, void* free);
    [LibraryImport(NativeCodecLibraries.OpenJpeg)] public static partial void opj_stream_set_user_data_length(nint stream, ulong length);
    [LibraryImport(NativeCodecLibraries.OpenJpeg)] public static partial int opj_set_error_handler(nint codec, delegate* unmanaged[Cdecl]<byte*, void*, void> handler, void* userData);
    [LibraryImport(NativeCodecLibraries.OpenJpeg)] public static partial int opj_read_header(nint stream, nint codec, Image** image);
    [LibraryImport(NativeCodecLibraries.OpenJpeg)] public static partial int opj_decode(nint codec, nint stream, Image* image);
    [LibraryImport(NativeCodecLibraries.OpenJpeg)] public static partial int opj_end_decompress(nint codec, nint stream);
    [LibraryImport(NativeCodecLibraries.OpenJpeg)] public static partial void opj_stream_destroy(nint stream);
    [LibraryImport(NativeCodecLibraries.OpenJpeg)] public static partial void opj_destroy_codec(nint codec);
    [LibraryImport(NativeCodecLibraries.OpenJpeg)] public static partial void opj_image_destroy(Image* image);
}
