namespace MaMA.MLNet.Imaging.Pixels;

/// <summary>Which VOI transform <see cref="GrayscaleRenderer"/> applies.</summary>
public enum VoiSource
{
    /// <summary>
    /// A window when the file lists one, else a VOI LUT Sequence item, else the <see cref="NoVoiRange"/>
    /// fallback. (pydicom's <c>apply_voi_lut</c> prefers the table by default; mammography files usually carry
    /// windows whose explanations say what they are for, so we try them first.)
    /// </summary>
    Auto,
    /// <summary>Window center/width at <see cref="RenderOptions.WindowIndex"/>; the fallback when there are none.</summary>
    Window,
    /// <summary>VOI LUT Sequence item at <see cref="RenderOptions.VoiLutIndex"/>; the fallback when there are none.</summary>
    Lut,
    /// <summary>Ignore the file's VOI and use the <see cref="NoVoiRange"/> fallback.</summary>
    None,
}

/// <summary>What maps modality values to [0, 1] when no VOI transform is used.</summary>
public enum NoVoiRange
{
    /// <summary>
    /// The smallest and largest modality value present in this frame map to 0 and 1 (a per-image contrast
    /// stretch, what DICOM-to-PNG conversions such as the reference's offline step commonly do).
    /// </summary>
    MinMax,
    /// <summary>
    /// The whole range BitsStored allows (after the modality LUT: the rescaled ends of that range, or the
    /// table's output range) maps to [0, 1]; images of one device keep comparable brightness.
    /// </summary>
    FullRange,
}

/// <summary>Choices for turning stored values into display values.</summary>
public sealed record RenderOptions
{
    /// <summary>Which VOI transform to use; <see cref="VoiSource.Auto"/> by default.</summary>
    public VoiSource Voi { get; init; } = VoiSource.Auto;

    /// <summary>
    /// Which window to use when the file lists several. An index past the end of this file's list uses the
    /// first window, so one setting works across a folder of files that list different numbers of windows.
    /// </summary>
    public int WindowIndex { get; init; }

    /// <summary>Which VOI LUT Sequence item to use; past the end uses the first, like <see cref="WindowIndex"/>.</summary>
    public int VoiLutIndex { get; init; }

    /// <summary>The mapping used when no VOI transform applies; <see cref="NoVoiRange.MinMax"/> by default.</summary>
    public NoVoiRange NoVoiRange { get; init; } = NoVoiRange.MinMax;

    /// <summary>Invert MONOCHROME1 / INVERSE images so that 1 is always white (dense tissue bright). True by default.</summary>
    public bool ApplyInversion { get; init; } = true;

    /// <summary>The defaults.</summary>
    public static RenderOptions Default { get; } = new();
}
