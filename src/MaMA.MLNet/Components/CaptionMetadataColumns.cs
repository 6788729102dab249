using MaMA.MLNet.Data.Manifest;

namespace MaMA.MLNet.Components;

/// <summary>
/// Which input columns hold the metadata a structured MaMA caption is built from (one name per field; null = the
/// data has no such column and the caption says "unknown" or leaves the section out). Values are read as the CSV
/// manifest reads them (<see cref="ManifestColumns"/>): text in every column, or numbers for age, density and BI-RADS.
/// </summary>
public sealed class CaptionMetadataColumns
{
    /// <summary>L, R or B (left, right, bilateral).</summary>
    public string? Laterality { get; set; }

    /// <summary>View position: CC, MLO, ML, ...</summary>
    public string? View { get; set; }

    /// <summary>Image type, e.g. 2D.</summary>
    public string? ImageType { get; set; }

    /// <summary>Procedure (study description).</summary>
    public string? Procedure { get; set; }

    /// <summary>screening or diagnostic.</summary>
    public string? Reason { get; set; }

    /// <summary>Age in whole years (text or a number).</summary>
    public string? Age { get; set; }

    /// <summary>Race.</summary>
    public string? Race { get; set; }

    /// <summary>Ethnicity.</summary>
    public string? Ethnicity { get; set; }

    /// <summary>Breast density 1-4 or A-D (text or a number).</summary>
    public string? Density { get; set; }

    /// <summary>BI-RADS 0-6 or the EMBED letters (text or a number).</summary>
    public string? BiRads { get; set; }

    /// <summary>Mass shape words.</summary>
    public string? MassShape { get; set; }

    /// <summary>Mass density words.</summary>
    public string? MassDensity { get; set; }

    /// <summary>Calcification type words.</summary>
    public string? CalcificationType { get; set; }

    /// <summary>Calcification distribution words.</summary>
    public string? CalcificationDistribution { get; set; }

    /// <summary>The CSV manifest's column names for every field (as <c>LoadFromTextFile</c> over a manifest would name them).</summary>
    public static CaptionMetadataColumns ManifestNames() => new()
    {
        Laterality = ManifestColumns.Laterality, View = ManifestColumns.View, ImageType = ManifestColumns.ImageType,
        Procedure = ManifestColumns.Procedure, Reason = ManifestColumns.Reason, Age = ManifestColumns.Age,
        Race = ManifestColumns.Race, Ethnicity = ManifestColumns.Ethnicity, Density = ManifestColumns.Density,
        BiRads = ManifestColumns.BiRads, MassShape = ManifestColumns.MassShape, MassDensity = ManifestColumns.MassDensity,
        CalcificationType = ManifestColumns.CalcificationType, CalcificationDistribution = ManifestColumns.CalcificationDistribution,
    };

    /// <summary>The named columns as (field, column, numbers allowed).</summary>
    internal IEnumerable<(string Field, string Column, bool Numeric)> Named()
    {
        (string Field, string? Column, bool Numeric)[] all =
        [
            (nameof(Laterality), Laterality, false), (nameof(View), View, false), (nameof(ImageType), ImageType, false),
            (nameof(Procedure), Procedure, false), (nameof(Reason), Reason, false), (nameof(Age), Age, true),
            (nameof(Race), Race, false), (nameof(Ethnicity), Ethnicity, false), (nameof(Density), Density, true),
            (nameof(BiRads), BiRads, true), (nameof(MassShape), MassShape, false), (nameof(MassDensity), MassDensity, false),
            (nameof(CalcificationType), CalcificationType, false), (nameof(CalcificationDistribution), CalcificationDistribution, false),
        ];
        return all.Where(c => c.Column is not null).Select(c => (c.Field, c.Column!, c.Numeric));
    }

    internal CaptionMetadataColumns Clone() => (CaptionMetadataColumns)MemberwiseClone();
}
