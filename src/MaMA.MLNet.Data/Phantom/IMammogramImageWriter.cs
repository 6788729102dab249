using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Imaging.Pixels;

namespace MaMA.MLNet.Data.Phantom;

/// <summary>
/// Writes one mammogram file. The PNG writer is the first implementation; a DICOM writer (with the record's
/// laterality, view and identifiers in the header) plugs in here once the DICOM writer exists.
/// </summary>
public interface IMammogramImageWriter
{
    /// <summary>The file extension, with the dot (".png", ".dcm").</summary>
    string Extension { get; }

    /// <summary>Writes <paramref name="frame"/> (and, where the format holds them, the record's fields) to <paramref name="path"/>.</summary>
    void Write(string path, GrayscaleFrame frame, MammogramRecord record);
}
