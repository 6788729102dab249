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

    /// <summary>A decoder under <see cref="DecodeLimits.Default"/>.</summary>
    public DicomMammogramDecoder() : this(DecodeLimits.Default) { }

    /// <summary>A decoder under <paramref name="limits"/>.</summary>
    public DicomMammogramDecoder(DecodeLimits limits) => Limits = limits ?? throw new ArgumentNullException(nameof(limits));

    /// <summary>The decode budget: largest frame, largest inflated data set, the memory gate.</summary>
    public DecodeLimits Limits { get; }

    /// <inheritdoc />
    public Mammogram Decode(Stream stream, string source, int frame = 0) => Decode(DicomFile.Read(stream, source, Limits), frame, Limits);

    /// <summary>Decodes a file by path.</summary>
    /// <exception cref="MammogramReadException">The file is malformed, unsupported or truncated.</exception>
    public Mammogram Decode(string path, int frame = 0) => Decode(DicomFile.Open(path, Limits), frame, Limits);

    /// <summary>Decodes an already parsed file under <see cref="DecodeLimits.Default"/>.</summary>
    /// <exception cref="MammogramReadException">The pixel data is malformed, unsupported, or not grayscale.</exception>
    public static Mammogram Decode(DicomFile file, int frame = 0) => Decode(file, frame, DecodeLimits.Default);

    /// <summary>
    /// Decodes an already parsed file: the frame's size is checked against <paramref name="limits"/> and its memory
    /// reserved on their gate before the pixel buffer is taken.
    /// </summary>
    /// <exception cref="MammogramReadException">The pixel data is malformed, unsupported, or not grayscale.</exception>
    /// <exception cref="DecodeLimitExceededException">The frame is larger than <see cref="DecodeLimits.MaxPixels"/>.</exception>
    public static Mammogram Decode(DicomFile file, int frame, DecodeLimits limits)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(limits);
        var header = MammographyHeaderReader.Read(file);
        if (header.SamplesPerPixel != 1)
            throw new DicomUnsupportedException(file.Source,
                $"{header.PhotometricInterpretation} image with {header.SamplesPerPixel} samples per pixel: a mammogram must be grayscale (MONOCHROME1/2)");
        var description = DicomPixelDescription.FromDataset(file.Dataset);
        limits.CheckFrame(file.Source, "DICOM", description.Columns, description.Rows, description.SamplesPerPixel);
        using var admitted = limits.Admit(description.ValuesPerFrame);
        var values = new int[description.ValuesPerFrame];
        DicomPixelDecoder.DecodeFrame(file, description, frame, values);
        var pixels = new GrayscaleFrame(description.Columns, description.Rows, values, description.BitsStored, description.IsSigned);
        return new Mammogram(file.Source, header, pixels, PixelPresentationReader.Read(file.Dataset));
    }
}
