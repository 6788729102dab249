namespace MaMA.MLNet.Data.Manifest;

/// <summary>Which breast an image shows (DICOM Image Laterality: L, R, or B for both).</summary>
public enum Laterality
{
    /// <summary>The left breast.</summary>
    Left,
    /// <summary>The right breast.</summary>
    Right,
    /// <summary>Both breasts in one image.</summary>
    Bilateral,
}

/// <summary>Why the exam was done.</summary>
public enum ExamReason
{
    /// <summary>A routine screening exam.</summary>
    Screening,
    /// <summary>A diagnostic (work-up) exam.</summary>
    Diagnostic,
}

/// <summary>Which part of the data set a record belongs to; splits are made by patient.</summary>
public enum DatasetSplit
{
    /// <summary>Training data.</summary>
    Train,
    /// <summary>Validation data.</summary>
    Validation,
    /// <summary>Test data.</summary>
    Test,
}

/// <summary>
/// One mammogram with its study, patient and finding metadata: one row of a manifest. Every field but the
/// three identifiers is optional; <c>null</c> means unknown. Values are normalised (see
/// <see cref="ManifestValues"/>): density 1-4 (A-D), BI-RADS 0-6, views upper case.
/// </summary>
public sealed record MammogramRecord
{
    /// <summary>The image file. Readers resolve it against the manifest's folder unless told not to.</summary>
    public required string ImagePath { get; init; }

    /// <summary>Anonymised patient identifier (EMBED <c>empi_anon</c>).</summary>
    public required string PatientId { get; init; }

    /// <summary>Anonymised study (exam, accession) identifier (EMBED <c>acc_anon</c>).</summary>
    public required string StudyId { get; init; }

    /// <summary>Image laterality.</summary>
    public Laterality? Laterality { get; init; }

    /// <summary>View position, upper case: CC, MLO, ML, LM, XCCL, XCCM, ...</summary>
    public string? View { get; init; }

    /// <summary>Image type as the caption names it, e.g. "2D" (EMBED <c>FinalImageType</c>).</summary>
    public string? ImageType { get; init; }

    /// <summary>Procedure (study description), e.g. "MG Screening Bilateral w/ CAD".</summary>
    public string? Procedure { get; init; }

    /// <summary>Screening or diagnostic; when unknown the caption derives it from <see cref="Procedure"/>.</summary>
    public ExamReason? Reason { get; init; }

    /// <summary>Patient age in whole years at the study.</summary>
    public int? Age { get; init; }

    /// <summary>Race as the source describes it, e.g. "Caucasian or White".</summary>
    public string? Race { get; init; }

    /// <summary>Ethnicity, e.g. "Hispanic or Latino" or "Non-Hispanic or Latino".</summary>
    public string? Ethnicity { get; init; }

    /// <summary>BI-RADS breast density 1-4 (A = almost entirely fat ... D = extremely dense).</summary>
    public int? Density { get; init; }

    /// <summary>BI-RADS assessment category 0-6.</summary>
    public int? BiRads { get; init; }

    /// <summary>Mass shape as words, e.g. "oval" (EMBED <c>massshape</c> legend meaning).</summary>
    public string? MassShape { get; init; }

    /// <summary>Mass margin as words, e.g. "circumscribed". Not part of the MaMA caption; kept for analysis.</summary>
    public string? MassMargin { get; init; }

    /// <summary>Mass density as words, e.g. "high density" (EMBED <c>massdens</c> legend meaning).</summary>
    public string? MassDensity { get; init; }

    /// <summary>Calcification type as words, e.g. "punctate" (EMBED <c>calcfind</c> legend meaning).</summary>
    public string? CalcificationType { get; init; }

    /// <summary>Calcification distribution as words, e.g. "grouped" (EMBED <c>calcdistri</c> legend meaning).</summary>
    public string? CalcificationDistribution { get; init; }

    /// <summary>Cancer label: true for a malignant finding in this breast.</summary>
    public bool? Cancer { get; init; }

    /// <summary>Data set split.</summary>
    public DatasetSplit? Split { get; init; }
}
