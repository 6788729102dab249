namespace MaMA.MLNet.Imaging.Dicom;

/// <summary>How the pixel data of a transfer syntax is compressed, which picks the codec.</summary>
public enum PixelEncoding
{
    /// <summary>Uncompressed (native) pixel data.</summary>
    Native,
    /// <summary>JPEG processes 1, 2-4 (DCT, lossy) and 14 (lossless), decoded by JpegLibrary.</summary>
    Jpeg,
    /// <summary>JPEG-LS lossless or near-lossless, decoded by CharLS.</summary>
    JpegLs,
    /// <summary>JPEG 2000 reversible or irreversible, decoded by OpenJPEG.</summary>
    Jpeg2000,
    /// <summary>RLE Lossless of PS3.5 Annex G, decoded by this library.</summary>
    Rle,
    /// <summary>A transfer syntax this reader does not know; its pixel data cannot be decoded.</summary>
    Unsupported,
}

/// <summary>A transfer syntax this reader understands: how the data set and the pixel data are encoded.</summary>
/// <param name="Uid">The UID.</param>
/// <param name="Name">Its PS3.6 name.</param>
/// <param name="ExplicitVR">Elements carry their VR.</param>
/// <param name="BigEndian">Binary values are big endian.</param>
/// <param name="Deflated">The data set after the file meta group is deflate-compressed (RFC 1951, no zlib header).</param>
/// <param name="Encoding">Native or which compression of the pixel data.</param>
/// <param name="Lossy">Decoded values may differ from the original (DCT JPEG, near-lossless JPEG-LS, irreversible JPEG 2000).</param>
public sealed record DicomTransferSyntax(string Uid, string Name, bool ExplicitVR, bool BigEndian, bool Deflated, PixelEncoding Encoding, bool Lossy)
{
#pragma warning disable CS1591 // the PS3.6 names
    public static readonly DicomTransferSyntax ImplicitVRLittleEndian = new("1.2.840.10008.1.2", "Implicit VR Little Endian", false, false, false, PixelEncoding.Native, false);
    public static readonly DicomTransferSyntax ExplicitVRLittleEndian = new("1.2.840.10008.1.2.1", "Explicit VR Little Endian", true, false, false, PixelEncoding.Native, false);
    public static readonly DicomTransferSyntax DeflatedExplicitVRLittleEndian = new("1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", true, false, true, PixelEncoding.Native, false);
    public static readonly DicomTransferSyntax ExplicitVRBigEndian = new("1.2.840.10008.1.2.2", "Explicit VR Big Endian", true, true, false, PixelEncoding.Native, false);
    public static readonly DicomTransferSyntax JpegBaseline = new("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", true, false, false, PixelEncoding.Jpeg, true);
    public static readonly DicomTransferSyntax JpegExtended = new("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)", true, false, false, PixelEncoding.Jpeg, true);
    public static readonly DicomTransferSyntax JpegLossless = new("1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)", true, false, false, PixelEncoding.Jpeg, false);
    public static readonly DicomTransferSyntax JpegLosslessSV1 = new("1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])", true, false, false, PixelEncoding.Jpeg, false);
    public static readonly DicomTransferSyntax JpegLsLossless = new("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless Image Compression", true, false, false, PixelEncoding.JpegLs, false);
    public static readonly DicomTransferSyntax JpegLsNearLossless = new("1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless) Image Compression", true, false, false, PixelEncoding.JpegLs, true);
    public static readonly DicomTransferSyntax Jpeg2000Lossless = new("1.2.840.10008.1.2.4.90", "JPEG 2000 Image Compression (Lossless Only)", true, false, false, PixelEncoding.Jpeg2000, false);
    public static readonly DicomTransferSyntax Jpeg2000 = new("1.2.840.10008.1.2.4.91", "JPEG 2000 Image Compression", true, false, false, PixelEncoding.Jpeg2000, true);
    public static readonly DicomTransferSyntax RleLossless = new("1.2.840.10008.1.2.5", "RLE Lossless", true, false, false, PixelEncoding.Rle, false);
#pragma warning restore CS1591

    /// <summary>Every transfer syntax this reader decodes.</summary>
    public static IReadOnlyList<DicomTransferSyntax> All { get; } =
    [
        ImplicitVRLittleEndian, ExplicitVRLittleEndian, DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian,
        JpegBaseline, JpegExtended, JpegLossless, JpegLosslessSV1, JpegLsLossless, JpegLsNearLossless,
        Jpeg2000Lossless, Jpeg2000, RleLossless,
    ];

    /// <summary>True when the pixel data is encapsulated (fragments in items) rather than native.</summary>
    public bool IsEncapsulated => Encoding != PixelEncoding.Native;

    /// <summary>The transfer syntax with this UID, or null when this reader does not know it.</summary>
    public static DicomTransferSyntax? Find(string uid)
    {
        foreach (var syntax in All)
        {
            if (syntax.Uid == uid) return syntax;
        }
        return null;
    }
}
