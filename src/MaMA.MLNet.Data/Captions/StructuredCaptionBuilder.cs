using System.Globalization;
using System.Text;
using MaMA.MLNet.Data.Manifest;

namespace MaMA.MLNet.Data.Captions;

/// <summary>
/// Builds the MaMA structured caption of an image from its record (spec §6), with optional metadata masking
/// (spec §5): each of age, race, ethnicity, image type, side and view becomes "unknown" with probability
/// <see cref="MaskProbability"/>. Build a new caption every time an image is drawn.
/// </summary>
/// <remarks>
/// The text is the reference code's, character for character, including its spacing: sections end with the
/// sentence's own space and the patient, image, composition, findings and calcification parts add another
/// one, so some sections are followed by two spaces, and the caption ends with a space. Those spaces change
/// the tokens, so they are kept for compatibility with the reference weights. Sections: procedure and reason
/// when known; patient and image always (unknown values read "unknown", as in the reference); composition
/// when density is known; findings, impression and assessment when BI-RADS is known, with the mass sentence
/// when shape and mass density are both known and the calcification sentence when type and distribution are
/// both known. Random draws happen in the reference's order (age, race, ethnicity, image type, side, view),
/// one per field whether or not its value is known.
/// </remarks>
/// <param name="MaskProbability">Probability of masking each metadata field; 0 (or less) turns masking off.
/// The reference trains with 0.8.</param>
public sealed record StructuredCaptionBuilder(double MaskProbability = 0.8)
{
    /// <summary>The builder that never masks.</summary>
    public static StructuredCaptionBuilder Unmasked { get; } = new(0.0);

    /// <summary>The whole caption. <paramref name="random"/> drives masking; null means no masking.</summary>
    public string Build(MammogramRecord record, Random? random)
    {
        var text = new StringBuilder(512);
        AppendMetadata(text, record, random);
        AppendClinical(text, record);
        return text.ToString();
    }

    /// <summary>
    /// Only the metadata sections (procedure, reason, patient, image), unmasked: the prefix of instance-specific
    /// zero-shot prompts (reference <c>meta_only=True</c>).
    /// </summary>
    public static string MetadataSections(MammogramRecord record)
    {
        var text = new StringBuilder(256);
        Unmasked.AppendMetadata(text, record, null);
        return text.ToString();
    }

    private void AppendMetadata(StringBuilder text, MammogramRecord r, Random? random)
    {
        if (r.Procedure is { Length: > 0 } procedure)
            text.Append(CaptionTemplate.Procedure).Append(procedure).Append("; ");
        if ((r.Reason ?? ManifestValues.ReasonFromProcedure(r.Procedure)) is { } reason)
            text.Append(CaptionTemplate.Reason).Append(ManifestValues.Format(reason)).Append("; ");

        string age = Mask(r.Age?.ToString(CultureInfo.InvariantCulture), random);
        string race = Mask(r.Race, random);
        string ethnicity = Mask(r.Ethnicity, random);
        text.Append(CaptionTemplate.Patient).Append(CaptionTemplate.PatientSentence(race, ethnicity, age)).Append(' ');

        string imageType = Mask(r.ImageType, random);
        string side = Mask(r.Laterality is { } l ? CaptionTemplate.SideWord(l) : null, random);
        string view = Mask(r.View, random);
        text.Append(CaptionTemplate.Image).Append(CaptionTemplate.ImageSentence(imageType, side, view)).Append(' ');
    }

    private static void AppendClinical(StringBuilder text, MammogramRecord r)
    {
        if (r.Density is { } density)
        {
            text.Append(CaptionTemplate.Composition).Append(CaptionTemplate.CompositionSentence(density));
            if (density >= 3) text.Append(CaptionTemplate.LowerSensitivity);
            text.Append(' ');
        }
        if (r.BiRads is not { } biRads) return;
        text.Append(CaptionTemplate.Findings).Append(CaptionTemplate.FindingsOpening).Append(CaptionTemplate.FindingPhrase(biRads));
        if (r.MassShape is { Length: > 0 } shape && r.MassDensity is { Length: > 0 } massDensity)
            text.Append(CaptionTemplate.MassSentence(shape, massDensity));
        text.Append(' ');
        if (r.CalcificationType is { Length: > 0 } calcType && r.CalcificationDistribution is { Length: > 0 } distribution)
            text.Append(CaptionTemplate.CalcificationSentence(distribution, calcType)).Append(' ');
        text.Append(CaptionTemplate.Impressions).Append(CaptionTemplate.ImpressionSentence(biRads));
        text.Append(CaptionTemplate.Assessment).Append(CaptionTemplate.AssessmentSentence(biRads));
    }

    /// <summary>One draw per field (when masking is on), whether or not the value is known.</summary>
    private string Mask(string? value, Random? random)
    {
        bool masked = random is not null && MaskProbability > 0 && random.NextDouble() < MaskProbability;
        return masked || string.IsNullOrEmpty(value) ? CaptionTemplate.Unknown : value;
    }
}
