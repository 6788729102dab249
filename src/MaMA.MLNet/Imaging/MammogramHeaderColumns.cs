namespace MaMA.MLNet.Imaging;

/// <summary>
/// The header fields the loader adds as columns: text columns ("" when missing) and Single columns (NaN when
/// missing), each named with the options' prefix.
/// </summary>
internal static class MammogramHeaderColumns
{
    public sealed record TextColumn(string Name, Func<MammographyHeader, string?> Value);

    public sealed record NumberColumn(string Name, Func<MammographyHeader, double?> Value);

    public static readonly TextColumn[] Text =
    [
        new("PatientId", h => h.PatientId),
        new("StudyInstanceUid", h => h.StudyInstanceUid),
        new("SeriesInstanceUid", h => h.SeriesInstanceUid),
        new("SopInstanceUid", h => h.SopInstanceUid),
        new("Modality", h => h.Modality),
        new("Laterality", h => h.Laterality switch { Laterality.Left => "L", Laterality.Right => "R", Laterality.Both => "B", _ => null }),
        new("View", h => h.View),
        new("Manufacturer", h => h.Manufacturer),
        new("ManufacturerModelName", h => h.ManufacturerModelName),
        new("PresentationIntent", h => h.PresentationIntent switch
        {
            PresentationIntent.ForPresentation => "FOR PRESENTATION",
            PresentationIntent.ForProcessing => "FOR PROCESSING",
            _ => null,
        }),
        new("PhotometricInterpretation", h => h.PhotometricInterpretation),
    ];

    public static readonly NumberColumn[] Numbers =
    [
        new("PatientAge", h => h.PatientAgeYears),
        new("Rows", h => h.Rows > 0 ? h.Rows : null),
        new("Columns", h => h.Columns > 0 ? h.Columns : null),
        new("BitsStored", h => h.BitsStored > 0 ? h.BitsStored : null),
        new("PixelSpacingRow", h => h.PixelSpacingMm?.Row),
        new("PixelSpacingColumn", h => h.PixelSpacingMm?.Column),
        new("BreastImplantPresent", h => h.BreastImplantPresent is { } b ? (b ? 1 : 0) : null),
    ];

}
