namespace MaMA.MLNet.Imaging;

/// <summary>
/// Decodes one kind of image file (DICOM, PNG, TIFF, ...) into a <see cref="Mammogram"/>. The reader picks the
/// decoder by sniffing the first bytes, so file extensions never matter.
/// </summary>
public interface IMammogramDecoder
{
    /// <summary>A short name for messages, e.g. "DICOM" or "PNG".</summary>
    string FormatName { get; }

    /// <summary>True when <paramref name="head"/> (the first bytes of the file, up to 256) looks like this format.</summary>
    bool CanDecode(ReadOnlySpan<byte> head);

    /// <summary>Decodes one frame.</summary>
    /// <param name="stream">Readable, seekable stream positioned at the start of the file.</param>
    /// <param name="source">The file path or a caller's name for the stream, used in messages and in <see cref="Mammogram.Source"/>.</param>
    /// <param name="frame">Zero-based frame index for multi-frame files.</param>
    /// <exception cref="MammogramReadException">The file is malformed, unsupported or truncated.</exception>
    Mammogram Decode(Stream stream, string source, int frame = 0);
}
