using MaMA.MLNet.Imaging.Pixels;

namespace MaMA.MLNet.Imaging.Dicom;

/// <summary>
/// Fills a <see cref="PixelPresentation"/> from the Modality LUT, VOI LUT and Presentation LUT modules
/// (PS3.3 C.11.1, C.11.2, C.11.6) of a data set.
/// </summary>
public static class PixelPresentationReader
{
    /// <summary>Reads the presentation of a data set.</summary>
    /// <exception cref="DicomFormatException">A LUT's descriptor and data disagree, or a window value is not a number.</exception>
    public static PixelPresentation Read(DicomDataset ds)
    {
        bool signed = (ds.GetInt(DicomTags.PixelRepresentation) ?? 0) == 1;
        var centers = ds.GetDoubles(DicomTags.WindowCenter);
        var widths = ds.GetDoubles(DicomTags.WindowWidth);
        var explanations = ds.GetStrings(DicomTags.WindowCenterWidthExplanation);
        var windows = new List<WindowSetting>();
        for (int i = 0; i < Math.Min(centers.Length, widths.Length); i++)
        {
            // PS3.3 C.11.2.1.2: a width below 1 is invalid for LINEAR; such windows are dropped as DCMTK does.
            if (widths[i] <= 0) continue;
            windows.Add(new WindowSetting(centers[i], widths[i], i < explanations.Length && explanations[i].Length > 0 ? explanations[i] : null));
        }
        var modalityLutItem = ds.GetSequence(DicomTags.ModalityLutSequence).FirstOrDefault();
        return new PixelPresentation
        {
            PhotometricInterpretation = ds.GetString(DicomTags.PhotometricInterpretation)?.ToUpperInvariant() ?? "MONOCHROME2",
            RescaleSlope = ds.GetDouble(DicomTags.RescaleSlope) is { } slope && slope != 0 ? slope : 1.0,
            RescaleIntercept = ds.GetDouble(DicomTags.RescaleIntercept) ?? 0.0,
            ModalityLut = modalityLutItem is null ? null : ReadLut(modalityLutItem, signed),
            Windows = windows,
            VoiLutFunction = ds.GetString(DicomTags.VoiLutFunction)?.ToUpperInvariant() switch
            {
                "LINEAR_EXACT" => VoiLutFunction.LinearExact,
                "SIGMOID" => VoiLutFunction.Sigmoid,
                _ => VoiLutFunction.Linear,
            },
            // VOI LUTs map the output of the modality transform, which is signed when the stored values are
            // signed and no modality LUT intervenes.
            VoiLuts = ds.GetSequence(DicomTags.VoiLutSequence).Select(item => ReadLut(item, signed && modalityLutItem is null)).ToList(),
            PresentationLutShape = ds.GetString(DicomTags.PresentationLutShape)?.ToUpperInvariant(),
        };
    }

    /// <summary>
    /// One LUT item: LUT Descriptor (entries, 0 meaning 65536; first mapped value, signed when the input is;
    /// bits per entry) and LUT Data as 16-bit words, or as bytes when 8-bit entries are packed (DCMTK accepts both).
    /// </summary>
    internal static LookupTable ReadLut(DicomDataset item, bool signedInput)
    {
        string source = item.Source;
        var descriptor = item.GetUInt16s(DicomTags.LutDescriptor);
        if (descriptor.Length < 3) throw new DicomFormatException(source, $"LUT Descriptor {DicomTags.LutDescriptor} has {descriptor.Length} values, not 3");
        int entries = descriptor[0] == 0 ? 65536 : descriptor[0];
        int first = signedInput ? (short)descriptor[1] : descriptor[1];
        int bits = descriptor[2];
        if (bits is < 1 or > 16) throw new DicomFormatException(source, $"LUT Descriptor bits per entry {bits} is outside 1..16");
        var data = item.Find(DicomTags.LutData) is { } lutData ? lutData.Value.Span : default;
        ushort[] values;
        if (data.Length >= 2 * entries)
        {
            var words = item.GetUInt16s(DicomTags.LutData);
            values = words.AsSpan(0, entries).ToArray();
        }
        else if (bits <= 8 && data.Length >= entries)
        {
            values = new ushort[entries];
            for (int i = 0; i < entries; i++) values[i] = data[i];
        }
        else
        {
            throw new DicomFormatException(source, $"LUT Data {DicomTags.LutData} holds {data.Length} bytes; the descriptor declares {entries} entries of {bits} bits");
        }
        string? explanation = item.GetString(DicomTags.LutExplanation);
        return new LookupTable(first, bits, values, explanation);
    }
}
