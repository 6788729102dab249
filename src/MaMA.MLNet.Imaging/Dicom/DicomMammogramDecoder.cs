using MaMA.MLNet.Imaging.Pixels;

namespace MaMA.MLNet.Imaging.Dicom;

/// <summary>
/// Reads a DICOM mammogram: typed header, the stored values of one frame, and the presentation transforms.
/// Colour images are refused (the model is grayscale); everything else the reader supports is decoded.
/// </summary>
public sealed class DicomMammogramDecoder : IMammogramDecoder
{
    /// <inheritdoc />
    public string FormatName => "DICOM";

    /// <inheritdoc />
    public bool CanDecode(ReadOnlySpan<byte> head) => DicomFile.LooksLikeDicom(head);

    /// <inheritdoc />
    public Mammogram Decode(Stream stream, string source, int frame = 0) => Decode(DicomFile.Read(stream, source), frame);

    /// <summary>Decodes a file by path.</summary>
    /// <exception cref="MammogramReadException">The file is malformed, unsupported or truncated.</exception>
    public Mammogram Decode(string path, int frame = 0) => Decode(DicomFile.Open(path), frame);

    /// <summary>Decodes an already parsed file.</summary>
    /// <exception cref="MammogramReadException">The pixel data is malformed, unsupported, or not grayscale.</exception>
    public static Mammogram Decode(DicomFile file, int frame = 0)
    {
        var header = MammographyHeaderReader.Read(file);
        if (header.SamplesPerPixel != 1)
            throw new DicomUnsupportedException(file.Source,
                $"{header.PhotometricInterpretation} image with {header.SamplesPerPixel} samples per pixel: a mammogram must be grayscale (MONOCHROME1/2)");
        var description = DicomPixelDescription.FromDataset(file.Dataset);
        var values = new int[description.ValuesPerFrame];
        DicomPixelDecoder.DecodeFrame(file, description, frame, values);
        var pixels = new GrayscaleFrame(description.Columns, description.Rows, values, description.BitsStored, description.IsSigned);
        return new Mammogram(file.Source, header, pixels, PixelPresentationReader.Read(file.Dataset));
    }
}
