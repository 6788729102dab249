namespace MaMA.MLNet.Imaging.Dicom;

/// <summary>
/// The bytes break the DICOM encoding rules: a length runs past the end of the data, a tag or VR is
/// malformed, a sequence nests too deep, compressed pixel data does not decode, and so on. The message names
/// the element (tag) and the byte offset where the reader stopped.
/// </summary>
public class DicomFormatException : DicomException
{
    /// <summary>Creates the exception; the message is prefixed with the source.</summary>
    public DicomFormatException(string source, string problem, Exception? inner = null) : base(source, problem, inner) { }
}
