namespace MaMA.MLNet.Data.Manifest;

/// <summary>
/// Column names of the EMBED open-data tables as the MaMA reference code reads them
/// (<c>dataset/constants_val.py</c> of XYPB/MaMA).
/// </summary>
public static class EmbedColumns
{
    /// <summary>Metadata: the DICOM file path (EMBED_PATH_COL).</summary>
    public const string ImagePath = "anon_dicom_path";
    /// <summary>Metadata and clinical: the patient (EMBED_PID_COL).</summary>
    public const string PatientId = "empi_anon";
    /// <summary>Metadata and clinical: the exam / accession (EMBED_SID_COL); the join key.</summary>
    public const string StudyId = "acc_anon";
    /// <summary>Metadata: image laterality L/R (EMBED_SIDE_COL).</summary>
    public const string ImageLaterality = "ImageLateralityFinal";
    /// <summary>Metadata: view position CC/MLO/... (EMBED_VIEW_COL).</summary>
    public const string ViewPosition = "ViewPosition";
    /// <summary>Metadata: 2D, C-view, ... (EMBED_IMAGE_TYPE_COL); the reference keeps only "2D".</summary>
    public const string ImageType = "FinalImageType";
    /// <summary>Metadata: the procedure (EMBED_PROCEDURE_COL).</summary>
    public const string Procedure = "StudyDescription";
    /// <summary>Clinical: the side a finding row is about, L/R/B (EMBED_FINDING_SIDE_COL).</summary>
    public const string FindingSide = "side";
    /// <summary>Clinical: BI-RADS assessment letter A/N/B/P/S/M/K (EMBED_BIRADS_COL).</summary>
    public const string Assessment = "asses";
    /// <summary>Clinical: density 1-4 (5 = normal male) (EMBED_DENSITY_COL).</summary>
    public const string TissueDensity = "tissueden";
    /// <summary>Clinical: mass shape code (legend "massshape").</summary>
    public const string MassShape = "massshape";
    /// <summary>Clinical: mass density code (legend "massdens").</summary>
    public const string MassDensity = "massdens";
    /// <summary>Clinical: calcification type code (legend "calcfind").</summary>
    public const string CalcificationType = "calcfind";
    /// <summary>Clinical: calcification distribution code (legend "calcdistri").</summary>
    public const string CalcificationDistribution = "calcdistri";
    /// <summary>Clinical: age in years at the study.</summary>
    public const string Age = "age_at_study";
    /// <summary>Clinical: race description.</summary>
    public const string Race = "RACE_DESC";
    /// <summary>Clinical: ethnic group description.</summary>
    public const string Ethnicity = "ETHNIC_GROUP_DESC";
    /// <summary>Clinical: pathology severity 0-5 (0 invasive cancer, 1 non-invasive cancer, 2-5 not cancer).</summary>
    public const string PathSeverity = "path_severity";
    /// <summary>Legend: which clinical column a code belongs to.</summary>
    public const string LegendHeader = "Header in export";
    /// <summary>Legend: the code.</summary>
    public const string LegendCode = "Code";
    /// <summary>Legend: the words for the code.</summary>
    public const string LegendMeaning = "Meaning";
}
