namespace MaMA.MLNet.Imaging.Pixels;

/// <summary>VOI LUT Function (0028,1056).</summary>
public enum VoiLutFunction
{
    /// <summary>LINEAR: the classic window of PS3.3 C.11.2.1.2.1 (the default).</summary>
    Linear,
    /// <summary>LINEAR_EXACT: PS3.3 C.11.2.1.3.2.</summary>
    LinearExact,
    /// <summary>SIGMOID: PS3.3 C.11.2.1.3.1.</summary>
    Sigmoid,
}

/// <summary>One window: Window Center (0028,1050) and Window Width (0028,1051) at the same index.</summary>
public sealed record WindowSetting(double Center, double Width, string? Explanation = null);

/// <summary>
/// A lookup table from the Modality LUT Sequence (0028,3000) or VOI LUT Sequence (0028,3010): LUT Descriptor
/// (entry count, first mapped input value, bits per entry) and LUT Data.
/// </summary>
public sealed record LookupTable(int FirstMappedValue, int BitsPerEntry, ushort[] Entries, string? Explanation = null)
{
    /// <summary>Looks an input value up, clamping below and above the mapped range as PS3.3 says.</summary>
    public int Map(int input)
    {
        int index = input - FirstMappedValue;
        if (index <= 0) return Entries[0];
        if (index >= Entries.Length) return Entries[^1];
        return Entries[index];
    }
}

/// <summary>
/// Everything about a grayscale image that turns stored values into displayed values: photometric
/// interpretation, modality LUT (rescale or table), VOI (windows, function or tables), presentation LUT shape.
/// The DICOM reader fills it from the header; images from other formats use <see cref="Identity"/>.
/// </summary>
public sealed record PixelPresentation
{
    /// <summary>MONOCHROME1 or MONOCHROME2 (or RGB etc. for non-mammography files).</summary>
    public string PhotometricInterpretation { get; init; } = "MONOCHROME2";
    /// <summary>Rescale Slope (0028,1053).</summary>
    public double RescaleSlope { get; init; } = 1.0;
    /// <summary>Rescale Intercept (0028,1052).</summary>
    public double RescaleIntercept { get; init; }
    /// <summary>Modality LUT Sequence item, when present it takes the place of rescale.</summary>
    public LookupTable? ModalityLut { get; init; }
    /// <summary>Windows in the order the file lists them.</summary>
    public IReadOnlyList<WindowSetting> Windows { get; init; } = [];
    /// <summary>VOI LUT Function; applies to the windows.</summary>
    public VoiLutFunction VoiLutFunction { get; init; } = VoiLutFunction.Linear;
    /// <summary>VOI LUT Sequence items in file order.</summary>
    public IReadOnlyList<LookupTable> VoiLuts { get; init; } = [];
    /// <summary>Presentation LUT Shape (2050,0020): IDENTITY, INVERSE, or null when absent.</summary>
    public string? PresentationLutShape { get; init; }

    /// <summary>True when displayed brightness falls as the value rises (MONOCHROME1, or an INVERSE presentation LUT).</summary>
    public bool IsInverted =>
        PresentationLutShape is not null
            ? PresentationLutShape.Equals("INVERSE", StringComparison.OrdinalIgnoreCase)
            : PhotometricInterpretation.Equals("MONOCHROME1", StringComparison.OrdinalIgnoreCase);

    /// <summary>No transform at all: stored values are display values.</summary>
    public static PixelPresentation Identity { get; } = new();
}
