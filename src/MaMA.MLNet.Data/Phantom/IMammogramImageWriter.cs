using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Imaging.Pixels;

namespace MaMA.MLNet.Data.Phantom;

/// <summary>
/// Writes one mammogram file: <see cref="PngMammogramImageWriter"/> (16-bit PNG, pixels only) or
/// <see cref="DicomMammogramImageWriter"/> (a digital mammography DICOM object with the record's identifiers,
/// laterality, view and age in the header).
/// </summary>
public interface IMammogramImageWriter
{
    /// <summary>The file extension, with the dot (".png", ".dcm").</summary>
    string Extension { get; }

    /// <summary>Writes <paramref name="frame"/> (and, where the format holds them, the record's fields) to <paramref name="path"/>.</summary>
    void Write(string path, GrayscaleFrame frame, MammogramRecord record);
}
