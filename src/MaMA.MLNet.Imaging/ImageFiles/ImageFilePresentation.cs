using MaMA.MLNet.Imaging.Pixels;

namespace MaMA.MLNet.Imaging.ImageFiles;

/// <summary>Header and presentation defaults for plain image files, which carry no DICOM attributes.</summary>
internal static class ImageFilePresentation
{
    /// <summary>
    /// MONOCHROME2, no rescale, and one LINEAR window that maps 0..maxValue onto [0, 1] exactly
    /// (c = (maxValue + 1) / 2, w = maxValue + 1 gives y = x / maxValue in PS3.3 C.11.2.1.2.1), so an 8-bit PNG
    /// renders as value / 255 like the reference's PIL loading, not contrast-stretched. Choose
    /// <see cref="VoiSource.None"/> to stretch instead.
    /// </summary>
    public static PixelPresentation FullRange(int maxValue) => PixelPresentation.Identity with
    {
        Windows = [new WindowSetting((maxValue + 1) / 2.0, maxValue + 1, "FULL RANGE")],
    };

    public static MammographyHeader Header(int width, int height, int bitsAllocated, int bitsStored) => new()
    {
        Rows = height,
        Columns = width,
        BitsAllocated = bitsAllocated,
        BitsStored = bitsStored,
        HighBit = bitsStored - 1,
        SamplesPerPixel = 1,
        PhotometricInterpretation = "MONOCHROME2",
    };
}
