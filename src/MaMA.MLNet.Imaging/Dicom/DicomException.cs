namespace MaMA.MLNet.Imaging.Dicom;

/// <summary>
/// Base of every error the DICOM reader raises for bad or unsupported input. It is a
/// <see cref="MammogramReadException"/>, so callers that read any image format catch one type.
/// </summary>
public class DicomException : MammogramReadException
{
    /// <summary>Creates the exception; the message is prefixed with the source.</summary>
    public DicomException(string source, string problem, Exception? inner = null) : base(source, problem, inner) { }
}
