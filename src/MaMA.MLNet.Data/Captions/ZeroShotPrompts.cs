using MaMA.MLNet.Data.Manifest;

namespace MaMA.MLNet.Data.Captions;

/// <summary>The zero-shot classification tasks of the MaMA evaluation (spec §7).</summary>
public enum ZeroShotTask
{
    /// <summary>EMBED BI-RADS, 7 classes 0-6.</summary>
    BiRads,
    /// <summary>EMBED density, 4 classes A-D.</summary>
    Density,
    /// <summary>RSNA-Mammo cancer, 2 classes (negative, positive).</summary>
    Cancer,
}

/// <summary>
/// One text prompt per class, built from the training template's sections (spec §7), as the reference
/// evaluation builds them: density uses only the composition section; BI-RADS the findings, impression and
/// assessment sections; cancer the findings, impression and assessment sections with the reference's RSNA
/// wording. Each prompt can be prefixed with an image's own metadata sections
/// (<see cref="StructuredCaptionBuilder.MetadataSections"/>, the reference's <c>--instance_test_cap</c>).
/// </summary>
/// <remarks>
/// Spacing follows the reference: the density and BI-RADS prompts end with a space; the cancer prompts end
/// without a period ("Overall Assessment: Negative or Benign"), and their findings phrase is followed by a
/// single space instead of a period. The reference never prefixes the cancer prompts with metadata (its RSNA
/// data has none); here the prefix is allowed for all three tasks.
/// </remarks>
public static class ZeroShotPrompts
{
    /// <summary>How many classes a task has.</summary>
    public static int ClassCount(ZeroShotTask task) => task switch
    {
        ZeroShotTask.BiRads => 7,
        ZeroShotTask.Density => 4,
        _ => 2,
    };

    /// <summary>The class names, in class order: "0".."6", "A".."D", "negative"/"positive".</summary>
    public static IReadOnlyList<string> ClassNames(ZeroShotTask task) => task switch
    {
        ZeroShotTask.BiRads => ["0", "1", "2", "3", "4", "5", "6"],
        ZeroShotTask.Density => ["A", "B", "C", "D"],
        _ => ["negative", "positive"],
    };

    /// <summary>One prompt per class, in class order, each after <paramref name="prefix"/>.</summary>
    public static IReadOnlyList<string> For(ZeroShotTask task, string prefix = "") => task switch
    {
        ZeroShotTask.BiRads => [.. Enumerable.Range(0, 7).Select(b => prefix + BiRadsPrompt(b))],
        ZeroShotTask.Density => [.. Enumerable.Range(1, 4).Select(d => prefix + DensityPrompt(d))],
        _ => [prefix + CancerPrompt(false), prefix + CancerPrompt(true)],
    };

    /// <summary>One prompt per class, prefixed with the metadata sections of <paramref name="image"/>.</summary>
    public static IReadOnlyList<string> For(ZeroShotTask task, MammogramRecord image) =>
        For(task, StructuredCaptionBuilder.MetadataSections(image));

    /// <summary>"Breast composition: The breast is {words}. [This may lower the sensitivity of mammography. ]"</summary>
    public static string DensityPrompt(int density) =>
        CaptionTemplate.Composition + CaptionTemplate.CompositionSentence(density) + (density >= 3 ? CaptionTemplate.LowerSensitivity : "");

    /// <summary>Findings, impression and assessment sections for a BI-RADS category.</summary>
    public static string BiRadsPrompt(int biRads) =>
        CaptionTemplate.Findings + CaptionTemplate.FindingsOpening + CaptionTemplate.FindingPhrase(biRads) + " "
        + CaptionTemplate.Impressions + CaptionTemplate.ImpressionSentence(biRads)
        + CaptionTemplate.Assessment + CaptionTemplate.AssessmentSentence(biRads);

    /// <summary>The reference's RSNA cancer prompt (negative: healthy or benign; positive: malignant or suspicious).</summary>
    public static string CancerPrompt(bool positive)
    {
        string finding = positive
            ? "Cancer positive: screening image with known biopsy-proven malignancy or suspicious abnormality found"
            : "Cancer negative: overall healthy or just benign finding";
        (string category, string words) = positive
            ? ("A", "Additional imaging required with biopsy-proven malignancy or suspicious abnormality found")
            : ("N or B", "Negative or Benign");
        return CaptionTemplate.Findings + CaptionTemplate.FindingsOpening + finding + " "
            + CaptionTemplate.Impressions + $"BI-RADS Category {category}: {words}. "
            + CaptionTemplate.Assessment + words;
    }
}
