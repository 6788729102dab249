using System.Security.Cryptography;
using System.Text;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Dicom;
using MaMA.MLNet.Imaging.Pixels;
using Laterality = MaMA.MLNet.Data.Manifest.Laterality;

namespace MaMA.MLNet.Data.Phantom;

/// <summary>
/// Writes each image as a Digital Mammography X-Ray Image, For Presentation (SOP class 1.2.840.10008.5.1.4.1.1.1.2)
/// through Imaging's <see cref="DicomWriter"/>, with the record's fields in the header where a standard tag fits:
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Patient ID = <see cref="MammogramRecord.PatientId"/>, Patient's Name "PHANTOM^{id}", sex F, age;
/// race and ethnicity in Patient Comments (DICOM's Ethnic Group is a 16-character SH; EMBED's values are longer).</item>
/// <item>Accession Number and Study ID = <see cref="MammogramRecord.StudyId"/> (EMBED's <c>acc_anon</c> is the
/// accession number; left empty when longer than the 16 characters SH allows), Study Description = procedure.</item>
/// <item>Study, series (one per study) and SOP instance UIDs: <see cref="DicomWriter.UidFromName"/> of the seed,
/// study, laterality and view; study date and time derived the same way; Instance Number 1-4 for L-CC, L-MLO,
/// R-CC, R-MLO.</item>
/// <item>Image Laterality, View Position and the View Code Sequence (SNOMED CT, CID 4014), Patient Orientation
/// for the phantom's layout (A\R left CC, P\L right CC, A\FR left MLO, P\FL right MLO).</item>
/// <item>Pixels: MONOCHROME2, the frame's Bits Stored in 16-bit samples, presentation LUT IDENTITY, identity
/// rescale, a linear window over the image's value range; imager pixel spacing = field of view / width.</item>
/// </list>
/// <para>Labels (density, BI-RADS, findings, cancer) stay in the manifest: a For Presentation image carries no
/// standard tag for them (they belong in a structured report), and a header that held the answer would leak it.</para>
/// </remarks>
public sealed class DicomMammogramImageWriter(DicomImageWriterOptions? options = null) : IMammogramImageWriter
{
    /// <summary>The settings.</summary>
    public DicomImageWriterOptions Options { get; } = options ?? new DicomImageWriterOptions();

    /// <inheritdoc />
    public string Extension => ".dcm";

    /// <inheritdoc />
    public void Write(string path, GrayscaleFrame frame, MammogramRecord record)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(record);
        if (frame.IsSigned || frame.BitsStored > 16)
            throw new ArgumentException($"A digital mammogram stores unsigned values of up to 16 bits; the frame has {(frame.IsSigned ? "signed " : "")}{frame.BitsStored}-bit values.", nameof(frame));
        var (header, attributes) = Describe(frame, record);
        var presentation = new PixelPresentation
        {
            PhotometricInterpretation = "MONOCHROME2",
            Windows = [Window(frame.StoredValues)],
            PresentationLutShape = "IDENTITY",
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".");
        DicomWriter.WriteMammogram(path, frame, header, presentation, Options.Compression, attributes);
    }

    /// <summary>The header and IOD attributes written for <paramref name="record"/> (public so tests can compare what reads back).</summary>
    public (MammographyHeader Header, DicomMammographyAttributes Attributes) Describe(GrayscaleFrame frame, MammogramRecord record)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(record);
        string side = record.Laterality is { } l ? ManifestValues.Format(l) : "";
        string study = $"mama-phantom/{Options.Seed}/{record.PatientId}/{record.StudyId}";
        double spacing = Options.FieldOfViewWidthMm / frame.Width;
        var header = new MammographyHeader
        {
            PatientId = record.PatientId,
            StudyInstanceUid = DicomWriter.UidFromName(study),
            SeriesInstanceUid = DicomWriter.UidFromName(study + "/series"),
            SopInstanceUid = DicomWriter.UidFromName($"{study}/{side}/{record.View}"),
            Modality = "MG",
            Laterality = record.Laterality switch
            {
                Laterality.Left => Imaging.Laterality.Left,
                Laterality.Right => Imaging.Laterality.Right,
                Laterality.Bilateral => Imaging.Laterality.Both,
                _ => Imaging.Laterality.Unknown,
            },
            View = record.View,
            PatientAgeYears = record.Age,
            Manufacturer = Options.Manufacturer,
            ManufacturerModelName = Options.ModelName,
            PixelSpacingMm = (spacing, spacing),
            PresentationIntent = PresentationIntent.ForPresentation,
        };
        // Minutes after the first date, within ten years and working hours: fixed by the study's name.
        ulong draw = BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes(study + "/date")), 0);
        DateTime when = Options.FirstStudyDate.ToDateTime(new TimeOnly(8, 0)).AddDays((double)(draw % 3650)).AddMinutes((double)(draw / 3650 % 600));
        string? comments = record.Race is null && record.Ethnicity is null ? null
            : string.Join("; ", new[] { record.Race is null ? null : $"Race: {record.Race}", record.Ethnicity is null ? null : $"Ethnicity: {record.Ethnicity}" }.Where(t => t is not null));
        string? shortStudyId = record.StudyId.Length <= 16 ? record.StudyId : null;
        var attributes = new DicomMammographyAttributes
        {
            PatientName = $"PHANTOM^{record.PatientId}",
            PatientSex = "F",
            PatientComments = comments,
            StudyDateTime = when,
            StudyId = shortStudyId,
            AccessionNumber = shortStudyId,
            StudyDescription = record.Procedure,
            SeriesNumber = 1,
            SeriesDescription = "Synthetic phantom",
            InstanceNumber = (side, record.View) switch { ("L", "CC") => 1, ("L", "MLO") => 2, ("R", "CC") => 3, ("R", "MLO") => 4, _ => null },
            PatientOrientation = (side, record.View) switch
            {
                ("L", "CC") => @"A\R",
                ("R", "CC") => @"P\L",
                ("L", "MLO") => @"A\FR",
                ("R", "MLO") => @"P\FL",
                _ => null,
            },
            DetectorType = "DIRECT",
            SoftwareVersions = typeof(DicomMammogramImageWriter).Assembly.GetName().Version?.ToString(),
        };
        return (header, attributes);
    }

    /// <summary>A linear window spanning the image's values: what a viewer shows at first for this image.</summary>
    private static WindowSetting Window(int[] values)
    {
        int min = int.MaxValue, max = int.MinValue;
        foreach (int v in values) { if (v < min) min = v; if (v > max) max = v; }
        if (values.Length == 0) (min, max) = (0, 1);
        return new WindowSetting((min + max) / 2.0, Math.Max(2, max - min + 1), null);
    }
}
