using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;
using MaMA.MLNet.Imaging.Codecs;
using MaMA.MLNet.Imaging.Pixels;

namespace MaMA.MLNet.Imaging.Dicom;

/// <summary>How <see cref="DicomWriter"/> stores the pixel data.</summary>
public enum DicomWriterCompression
{
    /// <summary>Explicit VR Little Endian, native pixel data.</summary>
    None,
    /// <summary>RLE Lossless, encapsulated (one fragment, empty basic offset table).</summary>
    Rle,
}

/// <summary>
/// Writes a grayscale mammogram as a PS3.10 file: preamble, file meta group, and a Digital Mammography X-Ray
/// Image data set (PS3.3 A.27; SOP class by presentation intent) with the modules the IOD requires: patient,
/// general study, general and DX series, general equipment, general image, image pixel, DX anatomy imaged
/// (breast), DX image, DX detector, mammography image (positioner, organ, view code sequence), modality LUT,
/// VOI LUT, presentation LUT, acquisition context and SOP common; the fields that <see cref="MammographyHeader"/>,
/// <see cref="PixelPresentation"/> and <see cref="DicomMammographyAttributes"/> hold fill them, and unknown
/// Type 2 values are written empty. Used by the tests and the synthetic phantom; the output reads back through
/// <see cref="DicomFile"/>, through DCMTK and GDCM, and passes dicom3tools' <c>dciodvfy</c> when the header has a
/// view, laterality, pixel spacing and a window, and the attributes a patient orientation.
/// </summary>
public static class DicomWriter
{
    /// <summary>The implementation class UID written into the file meta group (a UUID-derived 2.25 UID).</summary>
    public const string ImplementationClassUid = "2.25.207083944717423375396203133826213419389";

    private const string DigitalMammographyForPresentation = "1.2.840.10008.5.1.4.1.1.1.2";
    private const string DigitalMammographyForProcessing = "1.2.840.10008.5.1.4.1.1.1.2.1";

    /// <summary>Writes the file at <paramref name="path"/> (overwriting it).</summary>
    /// <exception cref="ArgumentException">A stored value lies outside the range Bits Stored and the signedness allow.</exception>
    public static void WriteMammogram(string path, GrayscaleFrame frame, MammographyHeader header, PixelPresentation presentation,
        DicomWriterCompression compression = DicomWriterCompression.None, DicomMammographyAttributes? attributes = null)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        WriteMammogram(stream, frame, header, presentation, compression, attributes);
    }

    /// <summary>Writes the file to a stream.</summary>
    /// <exception cref="ArgumentException">A stored value lies outside the range Bits Stored and the signedness allow.</exception>
    public static void WriteMammogram(Stream stream, GrayscaleFrame frame, MammographyHeader header, PixelPresentation presentation,
        DicomWriterCompression compression = DicomWriterCompression.None, DicomMammographyAttributes? attributes = null)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(presentation);
        attributes ??= new DicomMammographyAttributes();
        if (frame.BitsStored is < 1 or > 32) throw new ArgumentException($"Bits Stored {frame.BitsStored} is outside 1..32", nameof(frame));
        if (frame.StoredValues.Length != (long)frame.Width * frame.Height) throw new ArgumentException("StoredValues does not hold Width x Height values", nameof(frame));
        foreach (int value in frame.StoredValues)
        {
            if (value < frame.MinStoredValue || value > frame.MaxStoredValue)
                throw new ArgumentException($"stored value {value} lies outside [{frame.MinStoredValue}, {frame.MaxStoredValue}] for {frame.BitsStored} {(frame.IsSigned ? "signed" : "unsigned")} bits", nameof(frame));
        }
        int bitsAllocated = frame.BitsStored <= 8 ? 8 : frame.BitsStored <= 16 ? 16 : 32;
        var syntax = compression == DicomWriterCompression.Rle ? DicomTransferSyntax.RleLossless : DicomTransferSyntax.ExplicitVRLittleEndian;
        string sopClass = header.PresentationIntent == PresentationIntent.ForProcessing ? DigitalMammographyForProcessing : DigitalMammographyForPresentation;
        string sopInstance = header.SopInstanceUid ?? NewUid();

        // Elements are kept sorted by tag, so the modules below can be written in the order they are documented.
        var ds = new ElementWriter();
        string[] texts = [header.PatientId ?? "", attributes.PatientName ?? "", attributes.PatientComments ?? "", attributes.StudyDescription ?? "",
            attributes.SeriesDescription ?? "", header.Manufacturer ?? "", header.ManufacturerModelName ?? "", .. presentation.Windows.Select(w => w.Explanation ?? "")];
        if (texts.Any(t => t.Any(c => c > 127))) ds.Text(DicomTags.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192");

        // SOP common.
        ds.Text(DicomTags.SopClassUid, DicomVR.UI, sopClass);
        ds.Text(DicomTags.SopInstanceUid, DicomVR.UI, sopInstance);

        // Patient, patient study.
        ds.Text(DicomTags.PatientName, DicomVR.PN, attributes.PatientName ?? "");
        ds.Text(DicomTags.PatientId, DicomVR.LO, header.PatientId ?? "");
        ds.Text(DicomTags.PatientBirthDate, DicomVR.DA, FormatDate(attributes.PatientBirthDate));
        ds.Text(DicomTags.PatientSex, DicomVR.CS, attributes.PatientSex ?? "");
        ds.Text(DicomTags.PatientComments, DicomVR.LT, attributes.PatientComments);
        if (header.PatientAgeYears is { } age) ds.Text(DicomTags.PatientAge, DicomVR.AS, FormatAge(age));

        // General study.
        ds.Text(DicomTags.StudyInstanceUid, DicomVR.UI, header.StudyInstanceUid ?? NewUid());
        ds.Text(DicomTags.StudyDate, DicomVR.DA, FormatDate(attributes.StudyDateTime is { } study ? DateOnly.FromDateTime(study) : null));
        ds.Text(DicomTags.StudyTime, DicomVR.TM, FormatTime(attributes.StudyDateTime));
        ds.Text(DicomTags.ReferringPhysicianName, DicomVR.PN, "");
        ds.Text(DicomTags.StudyId, DicomVR.SH, attributes.StudyId ?? "");
        ds.Text(DicomTags.AccessionNumber, DicomVR.SH, attributes.AccessionNumber ?? "");
        ds.Text(DicomTags.StudyDescription, DicomVR.LO, attributes.StudyDescription);

        // General series, DX series, mammography series.
        ds.Text(DicomTags.Modality, DicomVR.CS, header.Modality ?? "MG");
        ds.Text(DicomTags.SeriesInstanceUid, DicomVR.UI, header.SeriesInstanceUid ?? NewUid());
        ds.Text(DicomTags.SeriesNumber, DicomVR.IS, attributes.SeriesNumber?.ToString(CultureInfo.InvariantCulture) ?? "");
        ds.Text(DicomTags.SeriesDescription, DicomVR.LO, attributes.SeriesDescription);
        ds.Text(DicomTags.PresentationIntentType, DicomVR.CS, header.PresentationIntent == PresentationIntent.ForProcessing ? "FOR PROCESSING" : "FOR PRESENTATION");

        // General equipment.
        ds.Text(DicomTags.Manufacturer, DicomVR.LO, header.Manufacturer ?? "");
        ds.Text(DicomTags.ManufacturerModelName, DicomVR.LO, header.ManufacturerModelName);
        ds.Text(DicomTags.SoftwareVersions, DicomVR.LO, attributes.SoftwareVersions);

        // General image, DX image.
        ds.Text(DicomTags.ImageType, DicomVR.CS, header.PresentationIntent == PresentationIntent.ForProcessing ? @"ORIGINAL\PRIMARY" : @"DERIVED\PRIMARY");
        ds.Text(DicomTags.InstanceNumber, DicomVR.IS, attributes.InstanceNumber?.ToString(CultureInfo.InvariantCulture) ?? "");
        ds.Text(DicomTags.PatientOrientation, DicomVR.CS, attributes.PatientOrientation ?? "");
        DateTime? content = attributes.ContentDateTime ?? attributes.StudyDateTime;
        ds.Text(DicomTags.ContentDate, DicomVR.DA, FormatDate(content is { } c ? DateOnly.FromDateTime(c) : null));
        ds.Text(DicomTags.ContentTime, DicomVR.TM, FormatTime(content));
        ds.Text(DicomTags.BurnedInAnnotation, DicomVR.CS, "NO");
        ds.Text(DicomTags.LossyImageCompression, DicomVR.CS, "00");
        ds.Text(DicomTags.PixelIntensityRelationship, DicomVR.CS, "LIN");
        ds.SignedShort(DicomTags.PixelIntensityRelationshipSign, 1);

        // DX anatomy imaged, mammography image.
        if (header.Laterality != Laterality.Unknown)
            ds.Text(DicomTags.ImageLaterality, DicomVR.CS, header.Laterality switch { Laterality.Left => "L", Laterality.Right => "R", _ => "B" });
        ds.Sequence(DicomTags.AnatomicRegionSequence, [CodeItem("76752008", "SCT", "Breast", modifiers: null)]);
        ds.Text(DicomTags.BodyPartExamined, DicomVR.CS, "BREAST");
        ds.Text(DicomTags.OrganExposed, DicomVR.CS, "BREAST");
        ds.Text(DicomTags.PositionerType, DicomVR.CS, "MAMMOGRAPHIC");
        if (header.View is not null) ds.Text(DicomTags.ViewPosition, DicomVR.CS, header.View);
        if (MammographyViewCodes.ToCode(header.View) is { } viewCode)
            ds.Sequence(DicomTags.ViewCodeSequence, [CodeItem(viewCode.Value, viewCode.Scheme, viewCode.Meaning, modifiers: [])]);
        if (header.BreastImplantPresent is { } implant) ds.Text(DicomTags.BreastImplantPresent, DicomVR.CS, implant ? "YES" : "NO");
        ds.Sequence(DicomTags.AcquisitionContextSequence, []);

        // DX detector.
        ds.Text(DicomTags.DetectorType, DicomVR.CS, attributes.DetectorType ?? "");
        if (header.PixelSpacingMm is { } spacing)
        {
            ds.Text(DicomTags.ImagerPixelSpacing, DicomVR.DS, FormatDecimals(spacing.Row, spacing.Column));
            ds.Text(DicomTags.PixelSpacing, DicomVR.DS, FormatDecimals(spacing.Row, spacing.Column));
        }

        // Image pixel.
        ds.UShort(DicomTags.SamplesPerPixel, 1);
        ds.Text(DicomTags.PhotometricInterpretation, DicomVR.CS, presentation.PhotometricInterpretation);
        ds.UShort(DicomTags.Rows, checked((ushort)frame.Height));
        ds.UShort(DicomTags.Columns, checked((ushort)frame.Width));
        ds.UShort(DicomTags.BitsAllocated, (ushort)bitsAllocated);
        ds.UShort(DicomTags.BitsStored, (ushort)frame.BitsStored);
        ds.UShort(DicomTags.HighBit, (ushort)(frame.BitsStored - 1));
        ds.UShort(DicomTags.PixelRepresentation, (ushort)(frame.IsSigned ? 1 : 0));

        // Modality LUT (the DX image module wants a rescale when there is no table), VOI LUT, presentation LUT.
        if (presentation.ModalityLut is { } modalityLut)
            ds.Sequence(DicomTags.ModalityLutSequence, [LutItem(modalityLut, "US")]);
        else
        {
            ds.Text(DicomTags.RescaleIntercept, DicomVR.DS, FormatDecimals(presentation.RescaleIntercept));
            ds.Text(DicomTags.RescaleSlope, DicomVR.DS, FormatDecimals(presentation.RescaleSlope));
            ds.Text(DicomTags.RescaleType, DicomVR.LO, "US");
        }
        if (presentation.Windows.Count > 0)
        {
            ds.Text(DicomTags.WindowCenter, DicomVR.DS, FormatDecimals([.. presentation.Windows.Select(w => w.Center)]));
            ds.Text(DicomTags.WindowWidth, DicomVR.DS, FormatDecimals([.. presentation.Windows.Select(w => w.Width)]));
        }
        if (presentation.Windows.Any(w => w.Explanation is not null))
            ds.Text(DicomTags.WindowCenterWidthExplanation, DicomVR.LO, string.Join('\\', presentation.Windows.Select(w => w.Explanation ?? "")));
        if (presentation.VoiLutFunction != VoiLutFunction.Linear)
            ds.Text(DicomTags.VoiLutFunction, DicomVR.CS, presentation.VoiLutFunction == VoiLutFunction.Sigmoid ? "SIGMOID" : "LINEAR_EXACT");
        if (presentation.VoiLuts.Count > 0) ds.Sequence(DicomTags.VoiLutSequence, [.. presentation.VoiLuts.Select(l => LutItem(l, null))]);
        if (presentation.PresentationLutShape is not null) ds.Text(DicomTags.PresentationLutShape, DicomVR.CS, presentation.PresentationLutShape);

        var values = frame.StoredValues;
        if (compression == DicomWriterCompression.Rle)
            ds.Encapsulated(DicomTags.PixelData, RleCodec.Encode(values, frame.Height, frame.Width, 1, bitsAllocated));
        else
        {
            var pixelBytes = new byte[(long)values.Length * (bitsAllocated / 8)];
            for (int i = 0; i < values.Length; i++)
            {
                switch (bitsAllocated)
                {
                    case 8: pixelBytes[i] = (byte)values[i]; break;
                    case 16: BinaryPrimitives.WriteInt16LittleEndian(pixelBytes.AsSpan(2 * i), (short)values[i]); break;
                    default: BinaryPrimitives.WriteInt32LittleEndian(pixelBytes.AsSpan(4 * i), values[i]); break;
                }
            }
            ds.Bytes(DicomTags.PixelData, bitsAllocated == 8 ? DicomVR.OB : DicomVR.OW, pixelBytes);
        }

        var meta = new ElementWriter();
        meta.Bytes(new DicomTag(0x0002, 0x0001), DicomVR.OB, [0, 1]);
        meta.Text(DicomTags.MediaStorageSopClassUid, DicomVR.UI, sopClass);
        meta.Text(DicomTags.MediaStorageSopInstanceUid, DicomVR.UI, sopInstance);
        meta.Text(DicomTags.TransferSyntaxUid, DicomVR.UI, syntax.Uid);
        meta.Text(DicomTags.ImplementationClassUid, DicomVR.UI, ImplementationClassUid);
        meta.Text(DicomTags.ImplementationVersionName, DicomVR.SH, "MAMA_MLNET");
        var metaBytes = meta.ToArray();

        stream.Write(new byte[128]);
        stream.Write("DICM"u8);
        var groupLength = new ElementWriter();
        groupLength.UInt(DicomTags.FileMetaInformationGroupLength, (uint)metaBytes.Length);
        stream.Write(groupLength.ToArray());
        stream.Write(metaBytes);
        stream.Write(ds.ToArray());
    }

    /// <summary>A code sequence item; <paramref name="modifiers"/> non-null adds an (empty) View Modifier Code Sequence.</summary>
    private static byte[] CodeItem(string value, string scheme, string meaning, IReadOnlyList<byte[]>? modifiers)
    {
        var item = new ElementWriter();
        item.Text(DicomTags.CodeValue, DicomVR.SH, value);
        item.Text(DicomTags.CodingSchemeDesignator, DicomVR.SH, scheme);
        item.Text(DicomTags.CodeMeaning, DicomVR.LO, meaning);
        if (modifiers is not null) item.Sequence(DicomTags.ViewModifierCodeSequence, modifiers);
        return item.ToArray();
    }

    private static byte[] LutItem(LookupTable lut, string? modalityLutType)
    {
        var item = new ElementWriter();
        var descriptor = new byte[6];
        BinaryPrimitives.WriteUInt16LittleEndian(descriptor, (ushort)(lut.Entries.Length == 65536 ? 0 : lut.Entries.Length));
        BinaryPrimitives.WriteInt16LittleEndian(descriptor.AsSpan(2), (short)lut.FirstMappedValue);
        BinaryPrimitives.WriteUInt16LittleEndian(descriptor.AsSpan(4), (ushort)lut.BitsPerEntry);
        item.Bytes(DicomTags.LutDescriptor, DicomVR.US, descriptor);
        item.Text(DicomTags.LutExplanation, DicomVR.LO, lut.Explanation);
        if (modalityLutType is not null) item.Text(DicomTags.ModalityLutType, DicomVR.LO, modalityLutType);
        var data = new byte[2 * lut.Entries.Length];
        for (int i = 0; i < lut.Entries.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(2 * i), lut.Entries[i]);
        item.Bytes(DicomTags.LutData, DicomVR.OW, data);
        return item.ToArray();
    }

    /// <summary>A new UID under the 2.25 root (PS3.5 B.2): the decimal value of a random UUID.</summary>
    public static string NewUid() => "2.25." + new BigInteger(Guid.NewGuid().ToByteArray(), isUnsigned: true).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A UID under the 2.25 root made from a name (a name-based UUID, RFC 9562 version 8, from SHA-256 of the
    /// UTF-8 name): the same name always gives the same UID, so generated data sets are reproducible.
    /// </summary>
    public static string UidFromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        Span<byte> uuid = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(name), uuid);
        uuid = uuid[..16];
        uuid[6] = (byte)((uuid[6] & 0x0F) | 0x80); // version 8
        uuid[8] = (byte)((uuid[8] & 0x3F) | 0x80); // RFC variant
        return "2.25." + new BigInteger(uuid, isUnsigned: true, isBigEndian: true).ToString(CultureInfo.InvariantCulture);
    }

    private static string FormatDate(DateOnly? date) => date?.ToString("yyyyMMdd", CultureInfo.InvariantCulture) ?? "";

    private static string FormatTime(DateTime? time) => time?.ToString("HHmmss", CultureInfo.InvariantCulture) ?? "";

    /// <summary>Years as an AS value: whole years when at least 1, else months, weeks or days.</summary>
    internal static string FormatAge(double years) =>
        years >= 1 ? $"{Math.Min(999, (int)Math.Round(years)):000}Y"
        : years * 12 >= 1 ? $"{(int)Math.Round(years * 12):000}M"
        : years * 365.25 >= 7 ? $"{(int)Math.Round(years * 365.25 / 7):000}W"
        : $"{(int)Math.Round(years * 365.25):000}D";

    /// <summary>DS values: at most 16 characters each, invariant culture.</summary>
    private static string FormatDecimals(params double[] values) => string.Join('\\', values.Select(FormatDecimal));

    private static string FormatDecimal(double value)
    {
        for (int digits = 15; digits > 0; digits--)
        {
            var text = value.ToString("G" + digits, CultureInfo.InvariantCulture);
            if (text.Length <= 16) return text;
        }
        return value.ToString("E8", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Collects explicit VR little endian elements, each encoded on its own and kept sorted by tag (a data set
    /// must be in ascending tag order), padding values to even length. Writing a tag twice keeps the last value.
    /// </summary>
    private sealed class ElementWriter
    {
        private readonly SortedDictionary<uint, byte[]> _elements = [];
        private readonly MemoryStream _buffer = new();

        public byte[] ToArray()
        {
            var all = new MemoryStream();
            foreach (var element in _elements.Values) all.Write(element);
            return all.ToArray();
        }

        public void Text(DicomTag tag, DicomVR vr, string? value)
        {
            if (value is null) return;
            var bytes = (vr == DicomVR.UI || vr == DicomVR.CS || vr == DicomVR.AS || vr == DicomVR.DS || vr == DicomVR.IS || vr == DicomVR.DA || vr == DicomVR.TM
                ? Encoding.ASCII : Encoding.UTF8).GetBytes(value);
            if ((bytes.Length & 1) == 1) bytes = [.. bytes, vr == DicomVR.UI ? (byte)0 : (byte)' '];
            Bytes(tag, vr, bytes);
        }

        public void UShort(DicomTag tag, ushort value)
        {
            var bytes = new byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
            Bytes(tag, DicomVR.US, bytes);
        }

        public void SignedShort(DicomTag tag, short value)
        {
            var bytes = new byte[2];
            BinaryPrimitives.WriteInt16LittleEndian(bytes, value);
            Bytes(tag, DicomVR.SS, bytes);
        }

        public void UInt(DicomTag tag, uint value)
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
            Bytes(tag, DicomVR.UL, bytes);
        }

        public void Bytes(DicomTag tag, DicomVR vr, ReadOnlySpan<byte> value)
        {
            bool pad = (value.Length & 1) == 1;
            Header(tag, vr, (uint)(value.Length + (pad ? 1 : 0)));
            _buffer.Write(value);
            if (pad) _buffer.WriteByte(0);
            Finish(tag);
        }

        public void Sequence(DicomTag tag, IReadOnlyList<byte[]> items)
        {
            uint length = (uint)items.Sum(i => 8 + i.Length);
            Header(tag, DicomVR.SQ, length);
            foreach (var item in items)
            {
                Tag(DicomTags.Item);
                UInt32(checked((uint)item.Length));
                _buffer.Write(item);
            }
            Finish(tag);
        }

        /// <summary>Encapsulated pixel data: empty basic offset table, one fragment, sequence delimiter.</summary>
        public void Encapsulated(DicomTag tag, byte[] fragment)
        {
            Header(tag, DicomVR.OB, 0xFFFF_FFFF);
            Tag(DicomTags.Item);
            UInt32(0);
            Tag(DicomTags.Item);
            bool pad = (fragment.Length & 1) == 1;
            UInt32((uint)(fragment.Length + (pad ? 1 : 0)));
            _buffer.Write(fragment);
            if (pad) _buffer.WriteByte(0);
            Tag(DicomTags.SequenceDelimitationItem);
            UInt32(0);
            Finish(tag);
        }

        private void Finish(DicomTag tag)
        {
            _elements[tag.Value] = _buffer.ToArray();
            _buffer.SetLength(0);
        }

        private void Header(DicomTag tag, DicomVR vr, uint length)
        {
            Tag(tag);
            var name = vr.ToString();
            _buffer.WriteByte((byte)name[0]);
            _buffer.WriteByte((byte)name[1]);
            if (vr.HasLongLength)
            {
                _buffer.WriteByte(0);
                _buffer.WriteByte(0);
                UInt32(length);
            }
            else
            {
                Span<byte> bytes = stackalloc byte[2];
                BinaryPrimitives.WriteUInt16LittleEndian(bytes, checked((ushort)length));
                _buffer.Write(bytes);
            }
        }

        private void Tag(DicomTag tag)
        {
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteUInt16LittleEndian(bytes, tag.Group);
            BinaryPrimitives.WriteUInt16LittleEndian(bytes[2..], tag.Element);
            _buffer.Write(bytes);
        }

        private void UInt32(uint value)
        {
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
            _buffer.Write(bytes);
        }
    }
}
