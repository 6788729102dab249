using MaMA.MLNet.Imaging.Dicom;

namespace MaMA.MLNet.Data.Phantom;

/// <summary>Settings of <see cref="DicomMammogramImageWriter"/>.</summary>
public sealed record DicomImageWriterOptions
{
    /// <summary>
    /// Namespace of the UIDs and dates: study, series and SOP instance UIDs are name-based UIDs of (seed, study,
    /// laterality, view), so the same seed gives the same files and another seed other UIDs. Use the phantom's
    /// seed (<see cref="PhantomGenerator.CreateDicomWriter"/> does). Default 1, the phantom's default.
    /// </summary>
    public int Seed { get; init; } = 1;

    /// <summary>Pixel data encoding: uncompressed explicit VR little endian (default) or RLE lossless.</summary>
    public DicomWriterCompression Compression { get; init; } = DicomWriterCompression.None;

    /// <summary>
    /// Width of the field of view in mm; pixel spacing is this over the image width (square pixels). Default 240,
    /// a 24 x 30 cm detector for the phantom's 4:5 images.
    /// </summary>
    public double FieldOfViewWidthMm { get; init; } = 240;

    /// <summary>Manufacturer (0008,0070).</summary>
    public string Manufacturer { get; init; } = "MaMA.MLNet";

    /// <summary>Manufacturer's Model Name (0008,1090).</summary>
    public string ModelName { get; init; } = "Synthetic phantom";

    /// <summary>First possible study date; each study gets a date within ten years after it, fixed by the seed.</summary>
    public DateOnly FirstStudyDate { get; init; } = new(2015, 1, 1);
}
