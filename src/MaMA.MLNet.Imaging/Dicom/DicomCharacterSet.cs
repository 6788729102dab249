using System.Text;

namespace MaMA.MLNet.Imaging.Dicom;

/// <summary>
/// Decodes text values by Specific Character Set (0008,0005). The default repertoire and ISO_IR 100 are read as
/// Latin-1 (a superset of ASCII, so stray high bytes survive instead of turning into '?', as DCMTK prints them),
/// ISO_IR 192 as UTF-8, and the other single-byte ISO 8859 parts through the code-page encodings. ISO 2022 code
/// extensions (escape sequences) are not interpreted: such text falls back to Latin-1.
/// </summary>
public static class DicomCharacterSet
{
    static DicomCharacterSet() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    /// <summary>The encoding for the first value of Specific Character Set; Latin-1 when absent or not supported.</summary>
    public static Encoding FromSpecificCharacterSet(string? value)
    {
        // Multi-valued sets name ISO 2022 extensions; the first value is the default set.
        var first = value?.Split('\\')[0].Trim().ToUpperInvariant() ?? "";
        if (first.StartsWith("ISO 2022 ", StringComparison.Ordinal)) first = "ISO_" + first["ISO 2022 ".Length..];
        int codePage = first switch
        {
            "ISO_IR 192" => 65001,
            "ISO_IR 101" => 28592,
            "ISO_IR 109" => 28593,
            "ISO_IR 110" => 28594,
            "ISO_IR 144" => 28595,
            "ISO_IR 127" => 28596,
            "ISO_IR 126" => 28597,
            "ISO_IR 138" => 28598,
            "ISO_IR 148" => 28599,
            "ISO_IR 203" => 28605,
            "ISO_IR 166" => 874,
            "ISO_IR 13" => 932,
            "GB18030" => 54936,
            "GBK" => 936,
            _ => 28591,
        };
        if (codePage == 65001) return new UTF8Encoding(false, false);
        if (codePage == 28591) return Encoding.Latin1;
        try
        {
            return Encoding.GetEncoding(codePage);
        }
        catch (NotSupportedException)
        {
            return Encoding.Latin1;
        }
    }
}
