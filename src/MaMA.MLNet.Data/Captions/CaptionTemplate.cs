namespace MaMA.MLNet.Data.Captions;

/// <summary>
/// The words of the MaMA structured caption (spec §6), as the reference code spells them
/// (XYPB/MaMA <c>dataset/constants_val.py</c>, "Structural Captions"), spaces included.
/// </summary>
public static class CaptionTemplate
{
    /// <summary>Section heading of the procedure.</summary>
    public const string Procedure = "Procedure reported: ";
    /// <summary>Section heading of the reason.</summary>
    public const string Reason = "Reason for procedure: ";
    /// <summary>Section heading of the patient sentence.</summary>
    public const string Patient = "Patient info: ";
    /// <summary>Section heading of the image sentence.</summary>
    public const string Image = "Image info: ";
    /// <summary>Section heading of the density sentence.</summary>
    public const string Composition = "Breast composition: ";
    /// <summary>Section heading of the findings.</summary>
    public const string Findings = "Findings: ";
    /// <summary>Section heading of the impression.</summary>
    public const string Impressions = "Impressions: ";
    /// <summary>Section heading of the assessment.</summary>
    public const string Assessment = "Overall Assessment: ";
    /// <summary>The value a masked or missing metadata field shows.</summary>
    public const string Unknown = "unknown";
    /// <summary>Opening of the findings sentence.</summary>
    public const string FindingsOpening = "The mammogram shows that ";
    /// <summary>Sentence added for density 3 and 4.</summary>
    public const string LowerSensitivity = "This may lower the sensitivity of mammography. ";

    /// <summary>"This patient is {race}, {ethnicity}, and {age} years old. "</summary>
    public static string PatientSentence(string race, string ethnicity, string age) =>
        $"This patient is {race}, {ethnicity}, and {age} years old. ";

    /// <summary>"This is a {type} full-field digital mammogram of the {side} breast with {view} view. "</summary>
    public static string ImageSentence(string imageType, string side, string view) =>
        $"This is a {imageType} full-field digital mammogram of the {side} breast with {view} view. ";

    /// <summary>"The breast is {description}. "</summary>
    public static string CompositionSentence(int density) => $"The breast is {DensityDescription(density)}. ";

    /// <summary>Density words for 1-4.</summary>
    public static string DensityDescription(int density) => density switch
    {
        1 => "almost entirely fat",
        2 => "scattered fibroglandular densities",
        3 => "heterogeneously dense",
        4 => "extremely dense",
        _ => throw new ArgumentOutOfRangeException(nameof(density), density, "Density must be 1-4."),
    };

    /// <summary>The findings phrase for a BI-RADS category (after "The mammogram shows that ").</summary>
    public static string FindingPhrase(int biRads) => biRads switch
    {
        0 => "an additional imaging is recommended. ",
        1 => "no significant masses, calcification, or other abnormalities are present. ",
        2 => "a benign finding is present. ",
        3 => "a probably benign finding is present. ",
        4 => "a suspicious abnormality is present. ",
        5 => "a highly suggestive of malignancy is present, a biopsy is recommended. ",
        6 => "a known biopsy-proven malignant mass is present. ",
        _ => throw BadBiRads(biRads),
    };

    /// <summary>"The mass is {shape} and {density}. "</summary>
    public static string MassSentence(string shape, string density) => $"The mass is {shape} and {density}. ";

    /// <summary>"A {distribution} {type} calcification is present. "</summary>
    public static string CalcificationSentence(string distribution, string type) => $"A {distribution} {type} calcification is present. ";

    /// <summary>"BI-RADS Category {n}: {description}. "</summary>
    public static string ImpressionSentence(int biRads) => $"BI-RADS Category {biRads}: {BiRadsDescription(biRads)}. ";

    /// <summary>The BI-RADS category description (impression).</summary>
    public static string BiRadsDescription(int biRads) => biRads switch
    {
        0 => "additional imaging required",
        1 => "negative",
        2 => "benign finding",
        3 => "probably benign finding",
        4 => "suspicious abnormality",
        5 => "highly suggestive of malignancy",
        6 => "known biopsy-proven malignancy",
        _ => throw BadBiRads(biRads),
    };

    /// <summary>The overall assessment sentence.</summary>
    public static string AssessmentSentence(int biRads) => biRads switch
    {
        0 => "Additional imaging is recommended. ",
        1 => "Negative. ",
        2 => "Benign. ",
        3 => "Probably benign. ",
        4 => "Suspicious abnormality. ",
        5 => "Highly suggestive of malignancy. ",
        6 => "Known biopsy-proven malignancy. ",
        _ => throw BadBiRads(biRads),
    };

    /// <summary>Side words for the image sentence.</summary>
    public static string SideWord(Manifest.Laterality laterality) => laterality switch
    {
        Manifest.Laterality.Left => "left",
        Manifest.Laterality.Right => "right",
        _ => "bilateral",
    };

    private static ArgumentOutOfRangeException BadBiRads(int biRads) =>
        new(nameof(biRads), biRads, "BI-RADS must be 0-6.");
}
