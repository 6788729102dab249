namespace MaMA.MLNet.Imaging;

/// <summary>Which breast an image shows.</summary>
public enum Laterality
{
    /// <summary>Not recorded.</summary>
    Unknown,
    /// <summary>L.</summary>
    Left,
    /// <summary>R.</summary>
    Right,
    /// <summary>B: both breasts in one image.</summary>
    Both,
}

/// <summary>Whether the pixel data is meant for display (processed) or for further processing (raw).</summary>
public enum PresentationIntent
{
    /// <summary>Not recorded.</summary>
    Unknown,
    /// <summary>FOR PRESENTATION: processed by the modality for display; what screening reads.</summary>
    ForPresentation,
    /// <summary>FOR PROCESSING: raw detector data.</summary>
    ForProcessing,
}

/// <summary>
/// The header fields mammography work needs, taken from a DICOM data set (or from a manifest for other image
/// formats). Every field may be missing in real data, hence the nullable types.
/// </summary>
public sealed record MammographyHeader
{
    /// <summary>Patient ID (0010,0020).</summary>
    public string? PatientId { get; init; }
    /// <summary>Study Instance UID (0020,000D).</summary>
    public string? StudyInstanceUid { get; init; }
    /// <summary>Series Instance UID (0020,000E).</summary>
    public string? SeriesInstanceUid { get; init; }
    /// <summary>SOP Instance UID (0008,0018).</summary>
    public string? SopInstanceUid { get; init; }
    /// <summary>Modality (0008,0060), MG for mammography.</summary>
    public string? Modality { get; init; }
    /// <summary>From Image Laterality (0020,0062), else Laterality (0020,0060), else the view code sequence.</summary>
    public Laterality Laterality { get; init; }
    /// <summary>
    /// The view as its ACR MQCM code: CC, MLO, ML, LM, XCCL, XCCM, FB, SIO, LMO, AT, ... taken from
    /// View Position (0018,5101) or the View Code Sequence (0054,0220); null when neither says.
    /// </summary>
    public string? View { get; init; }
    /// <summary>Patient's Age (0010,1010) in years (days, weeks and months converted).</summary>
    public double? PatientAgeYears { get; init; }
    /// <summary>Manufacturer (0008,0070).</summary>
    public string? Manufacturer { get; init; }
    /// <summary>Manufacturer's Model Name (0008,1090).</summary>
    public string? ManufacturerModelName { get; init; }
    /// <summary>Pixel Spacing (0028,0030), else Imager Pixel Spacing (0018,1164): row spacing, column spacing in mm.</summary>
    public (double Row, double Column)? PixelSpacingMm { get; init; }
    /// <summary>Presentation Intent Type (0008,0068).</summary>
    public PresentationIntent PresentationIntent { get; init; }
    /// <summary>Breast Implant Present (0028,1300): YES/NO, null when absent.</summary>
    public bool? BreastImplantPresent { get; init; }
    /// <summary>Rows (0028,0010).</summary>
    public int Rows { get; init; }
    /// <summary>Columns (0028,0011).</summary>
    public int Columns { get; init; }
    /// <summary>Number of Frames (0028,0008); 1 when absent.</summary>
    public int NumberOfFrames { get; init; } = 1;
    /// <summary>Samples per Pixel (0028,0002).</summary>
    public int SamplesPerPixel { get; init; } = 1;
    /// <summary>Bits Allocated (0028,0100).</summary>
    public int BitsAllocated { get; init; }
    /// <summary>Bits Stored (0028,0101).</summary>
    public int BitsStored { get; init; }
    /// <summary>High Bit (0028,0102).</summary>
    public int HighBit { get; init; }
    /// <summary>Pixel Representation (0028,0103) is 1.</summary>
    public bool IsSigned { get; init; }
    /// <summary>Photometric Interpretation (0028,0004).</summary>
    public string? PhotometricInterpretation { get; init; }
    /// <summary>Transfer Syntax UID the pixel data was stored with; null for non-DICOM sources.</summary>
    public string? TransferSyntaxUid { get; init; }
}

/// <summary>One decoded mammogram: header, the stored values of one frame, and how to display them.</summary>
/// <param name="Source">Where it came from (a file path or a caller's name for a stream), for messages.</param>
/// <param name="Header">The header fields.</param>
/// <param name="Frame">Stored values of the frame.</param>
/// <param name="Presentation">Modality/VOI/presentation transforms to apply to the stored values.</param>
public sealed record Mammogram(string Source, MammographyHeader Header, Pixels.GrayscaleFrame Frame, Pixels.PixelPresentation Presentation);
