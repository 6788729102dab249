namespace MaMA.MLNet.Imaging.Dicom;

/// <summary>
/// The pixel data needs a native codec library (OpenJPEG or CharLS) that could not be loaded. The message
/// names the library and the Debian/Ubuntu package that provides it.
/// </summary>
public class DicomCodecMissingException : DicomUnsupportedException
{
    /// <summary>Creates the exception; the message is prefixed with the source.</summary>
    /// <param name="source">File or stream name.</param>
    /// <param name="library">The shared library that was looked for, e.g. <c>libopenjp2.so.7</c>.</param>
    /// <param name="package">The apt package that installs it, e.g. <c>libopenjp2-7</c>.</param>
    /// <param name="inner">The load failure.</param>
    public DicomCodecMissingException(string source, string library, string package, Exception? inner = null)
        : base(source, $"the native codec library {library} could not be loaded; install it with `apt-get install {package}`", inner)
    {
        Library = library;
        Package = package;
    }

    /// <summary>The shared library that was looked for.</summary>
    public string Library { get; }

    /// <summary>The apt package that provides <see cref="Library"/>.</summary>
    public string Package { get; }
}
