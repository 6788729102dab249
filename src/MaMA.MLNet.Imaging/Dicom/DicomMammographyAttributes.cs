namespace MaMA.MLNet.Imaging.Dicom;

/// <summary>
/// Attributes of the Digital Mammography X-Ray Image IOD (PS3.3 A.27) that <see cref="MammographyHeader"/> does
/// not hold: patient, study, series and image identification, and the orientation of the pixel grid.
/// <see cref="DicomWriter"/> writes each one; a null value becomes an empty Type 2 element (the standard's
/// "present, value unknown"), so a file written with the defaults still has every module the IOD requires.
/// </summary>
public sealed record DicomMammographyAttributes
{
    /// <summary>Patient's Name (0010,0010), in PN form ("FAMILY^GIVEN").</summary>
    public string? PatientName { get; init; }

    /// <summary>Patient's Birth Date (0010,0030).</summary>
    public DateOnly? PatientBirthDate { get; init; }

    /// <summary>Patient's Sex (0010,0040): F, M or O.</summary>
    public string? PatientSex { get; init; }

    /// <summary>Patient Comments (0010,4000): free text, e.g. race and ethnicity, which have no fitting coded tag here.</summary>
    public string? PatientComments { get; init; }

    /// <summary>Study Date (0008,0020) and Study Time (0008,0030).</summary>
    public DateTime? StudyDateTime { get; init; }

    /// <summary>Content Date (0008,0023) and Content Time (0008,0033): when the image was made; the study's when null.</summary>
    public DateTime? ContentDateTime { get; init; }

    /// <summary>Study ID (0020,0010), at most 16 characters.</summary>
    public string? StudyId { get; init; }

    /// <summary>Accession Number (0008,0050), at most 16 characters (EMBED's <c>acc_anon</c> is one).</summary>
    public string? AccessionNumber { get; init; }

    /// <summary>Study Description (0008,1030), e.g. "MG Screening Bilateral" (EMBED's procedure).</summary>
    public string? StudyDescription { get; init; }

    /// <summary>Series Number (0020,0011).</summary>
    public int? SeriesNumber { get; init; }

    /// <summary>Series Description (0008,103E).</summary>
    public string? SeriesDescription { get; init; }

    /// <summary>Instance Number (0020,0013).</summary>
    public int? InstanceNumber { get; init; }

    /// <summary>
    /// Patient Orientation (0020,0020): the patient directions of the row and column axes, e.g. "A\R" (left CC:
    /// rows run toward the nipple, columns toward the patient's right), "P\L" (right CC), "A\FR" (left MLO),
    /// "P\FL" (right MLO). Type 1 for mammography: the caller knows how its pixels lie, the writer does not guess.
    /// </summary>
    public string? PatientOrientation { get; init; }

    /// <summary>Detector Type (0018,7004): DIRECT, SCINTILLATOR, STORAGE or FILM.</summary>
    public string? DetectorType { get; init; }

    /// <summary>Software Versions (0018,1020) of the equipment.</summary>
    public string? SoftwareVersions { get; init; }
}
