namespace MaMA.MLNet.Imaging.Dicom;

/// <summary>
/// The file is valid DICOM but uses something this reader does not handle: an unknown transfer syntax, a
/// colour image where a grayscale mammogram is needed, float pixel data, and so on.
/// </summary>
public class DicomUnsupportedException : DicomException
{
    /// <summary>Creates the exception; the message is prefixed with the source.</summary>
    public DicomUnsupportedException(string source, string problem, Exception? inner = null) : base(source, problem, inner) { }
}
