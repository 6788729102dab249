using System.Globalization;

namespace MaMA.MLNet.Imaging.Dicom;

/// <summary>
/// Fills a <see cref="MammographyHeader"/> from a parsed data set. Header fields that are malformed in the file
/// (an unreadable age, a spacing that is not two positive numbers) come out as null rather than failing the read:
/// the pixel module, which the pixels cannot do without, is checked strictly by <see cref="DicomPixelDescription"/>.
/// </summary>
public static class MammographyHeaderReader
{
    /// <summary>Reads the header of a parsed file.</summary>
    /// <exception cref="DicomException">The pixel module is missing or inconsistent.</exception>
    public static MammographyHeader Read(DicomFile file)
    {
        var ds = file.Dataset;
        var pixels = DicomPixelDescription.FromDataset(ds);
        var viewItem = ds.GetSequence(DicomTags.ViewCodeSequence).FirstOrDefault();
        string? view = MammographyViewCodes.FromViewPosition(ds.GetString(DicomTags.ViewPosition), out var lateralityFromViewPosition);
        view ??= viewItem is null ? null : MammographyViewCodes.FromCode(viewItem.GetString(DicomTags.CodeValue), viewItem.GetString(DicomTags.CodeMeaning));

        var laterality = ParseLaterality(ds.GetString(DicomTags.ImageLaterality));
        if (laterality == Laterality.Unknown) laterality = ParseLaterality(ds.GetString(DicomTags.Laterality));
        if (laterality == Laterality.Unknown) laterality = LateralityFromCodes(viewItem);
        if (laterality == Laterality.Unknown) laterality = lateralityFromViewPosition;

        return new MammographyHeader
        {
            PatientId = ds.GetString(DicomTags.PatientId),
            StudyInstanceUid = ds.GetString(DicomTags.StudyInstanceUid),
            SeriesInstanceUid = ds.GetString(DicomTags.SeriesInstanceUid),
            SopInstanceUid = ds.GetString(DicomTags.SopInstanceUid) ?? file.FileMeta.GetString(DicomTags.MediaStorageSopInstanceUid),
            Modality = ds.GetString(DicomTags.Modality),
            Laterality = laterality,
            View = view,
            PatientAgeYears = ParseAge(ds.GetString(DicomTags.PatientAge)),
            Manufacturer = ds.GetString(DicomTags.Manufacturer),
            ManufacturerModelName = ds.GetString(DicomTags.ManufacturerModelName),
            PixelSpacingMm = ReadSpacing(ds, DicomTags.PixelSpacing) ?? ReadSpacing(ds, DicomTags.ImagerPixelSpacing),
            PresentationIntent = ParseIntent(ds.GetString(DicomTags.PresentationIntentType), ds.GetString(DicomTags.SopClassUid) ?? file.FileMeta.GetString(DicomTags.MediaStorageSopClassUid)),
            BreastImplantPresent = ds.GetString(DicomTags.BreastImplantPresent)?.ToUpperInvariant() switch { "YES" => true, "NO" => false, _ => null },
            Rows = pixels.Rows,
            Columns = pixels.Columns,
            NumberOfFrames = pixels.Frames,
            SamplesPerPixel = pixels.SamplesPerPixel,
            BitsAllocated = pixels.BitsAllocated,
            BitsStored = pixels.BitsStored,
            HighBit = pixels.HighBit,
            IsSigned = pixels.IsSigned,
            PhotometricInterpretation = pixels.PhotometricInterpretation,
            TransferSyntaxUid = file.TransferSyntax.Uid,
        };
    }

    /// <summary>L, R, B (any case); anything else is unknown.</summary>
    public static Laterality ParseLaterality(string? value) => value?.Trim().ToUpperInvariant() switch
    {
        "L" => Laterality.Left,
        "R" => Laterality.Right,
        "B" => Laterality.Both,
        _ => Laterality.Unknown,
    };

    /// <summary>
    /// Patient's Age (AS): nnnD, nnnW, nnnM or nnnY, converted to years (365.25-day years, 12 months, 7-day
    /// weeks). Null when the value does not follow the format.
    /// </summary>
    public static double? ParseAge(string? value)
    {
        if (value is null) return null;
        var text = value.Trim();
        if (text.Length < 2 || !int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int number)) return null;
        return char.ToUpperInvariant(text[^1]) switch
        {
            'Y' => number,
            'M' => number / 12.0,
            'W' => number * 7 / 365.25,
            'D' => number / 365.25,
            _ => null,
        };
    }

    private static PresentationIntent ParseIntent(string? intentType, string? sopClassUid)
    {
        switch (intentType?.ToUpperInvariant())
        {
            case "FOR PRESENTATION": return PresentationIntent.ForPresentation;
            case "FOR PROCESSING": return PresentationIntent.ForProcessing;
        }
        // The digital X-ray SOP classes say it too: ...1.1.x (DX), 1.2.x (MG), 1.3.x (intra-oral); ".1" appended is For Processing.
        return sopClassUid switch
        {
            "1.2.840.10008.5.1.4.1.1.1.1" or "1.2.840.10008.5.1.4.1.1.1.2" or "1.2.840.10008.5.1.4.1.1.1.3" => PresentationIntent.ForPresentation,
            "1.2.840.10008.5.1.4.1.1.1.1.1" or "1.2.840.10008.5.1.4.1.1.1.2.1" or "1.2.840.10008.5.1.4.1.1.1.3.1" => PresentationIntent.ForProcessing,
            _ => PresentationIntent.Unknown,
        };
    }

    private static Laterality LateralityFromCodes(DicomDataset? viewItem)
    {
        if (viewItem is null) return Laterality.Unknown;
        var meanings = viewItem.GetSequence(DicomTags.ViewModifierCodeSequence).Select(m => m.GetString(DicomTags.CodeMeaning))
            .Append(viewItem.GetString(DicomTags.CodeMeaning));
        foreach (var meaning in meanings)
        {
            if (meaning is null) continue;
            var words = meaning.ToLowerInvariant().Split([' ', '-', ',', '(', ')'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Contains("left")) return Laterality.Left;
            if (words.Contains("right")) return Laterality.Right;
        }
        return Laterality.Unknown;
    }

    private static (double Row, double Column)? ReadSpacing(DicomDataset ds, DicomTag tag)
    {
        try
        {
            var values = ds.GetDoubles(tag);
            return values.Length >= 2 && values[0] > 0 && values[1] > 0 ? (values[0], values[1]) : null;
        }
        catch (DicomFormatException)
        {
            return null;
        }
    }
}
