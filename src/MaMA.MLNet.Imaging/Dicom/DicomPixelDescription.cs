namespace MaMA.MLNet.Imaging.Dicom;

/// <summary>
/// The Image Pixel module values that say how to read the pixel data (PS3.3 C.7.6.3), checked for consistency
/// before any pixel buffer is sized from them.
/// </summary>
public sealed record DicomPixelDescription
{
    /// <summary>Largest number of values (rows x columns x samples) one frame may have: 2^28, a 1 GiB buffer of ints.</summary>
    public const long MaxValuesPerFrame = 1L << 28;

    /// <summary>Rows (0028,0010).</summary>
    public int Rows { get; init; }
    /// <summary>Columns (0028,0011).</summary>
    public int Columns { get; init; }
    /// <summary>Number of Frames (0028,0008); 1 when absent.</summary>
    public int Frames { get; init; } = 1;
    /// <summary>Samples per Pixel (0028,0002).</summary>
    public int SamplesPerPixel { get; init; } = 1;
    /// <summary>Bits Allocated (0028,0100): 1, 8, 16 or 32.</summary>
    public int BitsAllocated { get; init; }
    /// <summary>Bits Stored (0028,0101).</summary>
    public int BitsStored { get; init; }
    /// <summary>High Bit (0028,0102).</summary>
    public int HighBit { get; init; }
    /// <summary>Pixel Representation (0028,0103) is 1: two's complement values.</summary>
    public bool IsSigned { get; init; }
    /// <summary>Planar Configuration (0028,0006) is 1: colour planes stored one after the other.</summary>
    public bool IsPlanar { get; init; }
    /// <summary>Photometric Interpretation (0028,0004).</summary>
    public string PhotometricInterpretation { get; init; } = "MONOCHROME2";

    /// <summary>Values in one frame: rows x columns x samples.</summary>
    public int ValuesPerFrame => Rows * Columns * SamplesPerPixel;

    /// <summary>Reads and checks the pixel module of a data set.</summary>
    /// <exception cref="DicomFormatException">A value is missing or inconsistent.</exception>
    /// <exception cref="DicomUnsupportedException">The values are valid but beyond this reader (e.g. 64-bit samples).</exception>
    public static DicomPixelDescription FromDataset(DicomDataset dataset)
    {
        string source = dataset.Source;
        int Required(DicomTag tag, string name) =>
            dataset.GetInt(tag) ?? throw new DicomFormatException(source, $"{name} {tag} is missing; the pixel data cannot be read without it");

        var description = new DicomPixelDescription
        {
            Rows = Required(DicomTags.Rows, "Rows"),
            Columns = Required(DicomTags.Columns, "Columns"),
            Frames = dataset.GetInt(DicomTags.NumberOfFrames) ?? 1,
            SamplesPerPixel = dataset.GetInt(DicomTags.SamplesPerPixel) ?? 1,
            BitsAllocated = Required(DicomTags.BitsAllocated, "Bits Allocated"),
            BitsStored = dataset.GetInt(DicomTags.BitsStored) ?? 0,
            HighBit = dataset.GetInt(DicomTags.HighBit) ?? -1,
            IsSigned = (dataset.GetInt(DicomTags.PixelRepresentation) ?? 0) == 1,
            IsPlanar = (dataset.GetInt(DicomTags.PlanarConfiguration) ?? 0) == 1,
            PhotometricInterpretation = dataset.GetString(DicomTags.PhotometricInterpretation)?.ToUpperInvariant() ?? "MONOCHROME2",
        };
        // Bits Stored and High Bit default as pydicom does when a writer left them out.
        if (description.BitsStored == 0) description = description with { BitsStored = description.BitsAllocated };
        if (description.HighBit < 0) description = description with { HighBit = description.BitsStored - 1 };
        description.Validate(source);
        return description;
    }

    /// <summary>Throws when the values cannot describe readable pixel data.</summary>
    public void Validate(string source)
    {
        if (Rows <= 0 || Columns <= 0) throw new DicomFormatException(source, $"image size {Rows} x {Columns} is empty or negative");
        if (Frames <= 0) throw new DicomFormatException(source, $"Number of Frames {Frames} is not positive");
        if (SamplesPerPixel is not (1 or 3)) throw new DicomUnsupportedException(source, $"Samples per Pixel {SamplesPerPixel} (only 1 and 3 are read)");
        if (BitsAllocated is not (1 or 8 or 16 or 32)) throw new DicomUnsupportedException(source, $"Bits Allocated {BitsAllocated} (only 1, 8, 16 and 32 are read)");
        if (BitsStored < 1 || BitsStored > BitsAllocated) throw new DicomFormatException(source, $"Bits Stored {BitsStored} does not fit Bits Allocated {BitsAllocated}");
        if (HighBit < BitsStored - 1 || HighBit >= BitsAllocated) throw new DicomFormatException(source, $"High Bit {HighBit} is inconsistent with Bits Stored {BitsStored} and Bits Allocated {BitsAllocated}");
        if ((long)Rows * Columns * SamplesPerPixel > MaxValuesPerFrame)
            throw new DicomUnsupportedException(source, $"a {Rows} x {Columns} x {SamplesPerPixel} frame is larger than the {MaxValuesPerFrame} values this reader decodes");
    }
}
