namespace MaMA.MLNet.Data.Manifest;

/// <summary>
/// The column names of the MaMA.MLNet CSV manifest (UTF-8, RFC 4180, one header row, one image per row).
/// Only <see cref="ImagePath"/>, <see cref="PatientId"/> and <see cref="StudyId"/> are required; every other
/// column may be absent, and an empty cell means "unknown". Header names match case-insensitively;
/// columns the manifest does not know are ignored, so a manifest can carry extra data.
/// </summary>
/// <remarks>
/// Accepted values: laterality L/R/B (or left/right/bilateral); view any DICOM view position (stored upper
/// case); reason screening/diagnostic; age whole years; density 1-4 or A-D; birads 0-6 or EMBED letters
/// A/N/B/P/S/M/K; cancer 0/1; split train/val/test (valid and validation are read as val). Finding columns
/// hold words as the caption uses them ("oval", "high density", "punctate", "grouped").
/// </remarks>
public static class ManifestColumns
{
    /// <summary>Image file, relative to the manifest's folder or absolute. Required.</summary>
    public const string ImagePath = "image_path";
    /// <summary>Patient identifier. Required.</summary>
    public const string PatientId = "patient_id";
    /// <summary>Study identifier. Required.</summary>
    public const string StudyId = "study_id";
    /// <summary>L, R or B.</summary>
    public const string Laterality = "laterality";
    /// <summary>CC, MLO, ML, LM, XCCL, ...</summary>
    public const string View = "view";
    /// <summary>Image type, e.g. 2D.</summary>
    public const string ImageType = "image_type";
    /// <summary>Procedure description.</summary>
    public const string Procedure = "procedure";
    /// <summary>screening or diagnostic.</summary>
    public const string Reason = "reason";
    /// <summary>Age in years.</summary>
    public const string Age = "age";
    /// <summary>Race.</summary>
    public const string Race = "race";
    /// <summary>Ethnicity.</summary>
    public const string Ethnicity = "ethnicity";
    /// <summary>Breast density 1-4 / A-D.</summary>
    public const string Density = "density";
    /// <summary>BI-RADS 0-6 / A N B P S M K.</summary>
    public const string BiRads = "birads";
    /// <summary>Mass shape words.</summary>
    public const string MassShape = "mass_shape";
    /// <summary>Mass margin words.</summary>
    public const string MassMargin = "mass_margin";
    /// <summary>Mass density words.</summary>
    public const string MassDensity = "mass_density";
    /// <summary>Calcification type words.</summary>
    public const string CalcificationType = "calc_type";
    /// <summary>Calcification distribution words.</summary>
    public const string CalcificationDistribution = "calc_distribution";
    /// <summary>Cancer label 0/1.</summary>
    public const string Cancer = "cancer";
    /// <summary>train, val or test.</summary>
    public const string Split = "split";

    /// <summary>Every column, in the order the writer uses.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        ImagePath, PatientId, StudyId, Laterality, View, ImageType, Procedure, Reason, Age, Race, Ethnicity,
        Density, BiRads, MassShape, MassMargin, MassDensity, CalcificationType, CalcificationDistribution, Cancer, Split,
    ];
}
