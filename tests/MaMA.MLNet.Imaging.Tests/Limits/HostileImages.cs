using System.IO.Compression;
using MaMA.MLNet.Imaging.Dicom;
using MaMA.MLNet.Imaging.Tests.Dicom;

namespace MaMA.MLNet.Imaging.Tests.Limits;

/// <summary>
/// The fuzz corpus of image files that are small on disk and huge once decoded, built in code (nothing to commit):
/// each cost gigabytes to decode before the decode budget existed.
/// </summary>
internal static class HostileImages
{
    /// <summary>A grayscale pixel module of <paramref name="rows"/> x <paramref name="columns"/> x 16 bits.</summary>
    public static DatasetBuilder PixelModule(int rows, int columns, int bits = 16) => new DatasetBuilder()
        .Text(0x0008, 0x0060, "CS", "MG")
        .UShort(0x0028, 0x0002, 1)
        .Text(0x0028, 0x0004, "CS", "MONOCHROME2")
        .UShort(0x0028, 0x0010, (ushort)Math.Min(rows, ushort.MaxValue))
        .UShort(0x0028, 0x0011, (ushort)Math.Min(columns, ushort.MaxValue))
        .UShort(0x0028, 0x0100, (ushort)bits)
        .UShort(0x0028, 0x0101, (ushort)bits)
        .UShort(0x0028, 0x0102, (ushort)(bits - 1))
        .UShort(0x0028, 0x0103, 0);

    /// <summary>Native pixel data of 16 bytes under a header that declares a <paramref name="side"/>² 16-bit frame (a 1 GiB int buffer at 16384).</summary>
    public static byte[] NativeDeclaringHuge(int side) =>
        PixelModule(side, side).Raw(0x7FE0, 0x0010, "OW", new byte[16]).ToPart10(DicomTransferSyntax.ExplicitVRLittleEndian.Uid);

    /// <summary>One small encapsulated fragment under a header that declares a <paramref name="side"/>² frame, in <paramref name="syntax"/>.</summary>
    public static byte[] EncapsulatedDeclaringHuge(int side, DicomTransferSyntax syntax, byte[] fragment) =>
        PixelModule(side, side).Encapsulated([], fragment).ToPart10(syntax.Uid);

    /// <summary>
    /// A deflated data set (1.2.840.10008.1.2.1.99) with a small image, then an OB element of
    /// <paramref name="zeroBytes"/> zeros: deflate packs them about 1000:1, so the file stays small.
    /// </summary>
    public static byte[] DeflatedBomb(long zeroBytes)
    {
        var dataset = PixelModule(4, 4).Raw(0x7FE0, 0x0010, "OW", new byte[32]).ToArray();
        var compressed = new MemoryStream();
        using (var deflate = new DeflateStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            deflate.Write(dataset);
            // A private OB element (0009,1010) with the zeros: its header first, then the zeros in chunks.
            deflate.Write([0x09, 0x00, 0x10, 0x10, (byte)'O', (byte)'B', 0, 0]);
            deflate.Write(BitConverter.GetBytes((uint)zeroBytes));
            var zeros = new byte[1 << 20];
            for (long left = zeroBytes; left > 0; left -= zeros.Length) deflate.Write(zeros, 0, (int)Math.Min(left, zeros.Length));
        }
        var meta = new DatasetBuilder().ToPart10(DicomTransferSyntax.DeflatedExplicitVRLittleEndian.Uid);
        return [.. meta, .. compressed.ToArray()];
    }
}
