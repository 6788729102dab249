using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace MaMA.MLNet.Imaging.Dicom;

/// <summary>
/// A parsed data set (the top level of a file, or one sequence item): its elements by tag, with typed access
/// that applies the data set's byte order and character set. Values are decoded only when asked for.
/// </summary>
public sealed class DicomDataset
{
    private readonly Dictionary<uint, DicomElement> _elements = [];
    private readonly List<DicomElement> _order = [];
    private Encoding? _encoding;

    internal DicomDataset(string source, bool bigEndian, DicomDataset? parent)
    {
        Source = source;
        BigEndian = bigEndian;
        Parent = parent;
    }

    /// <summary>The file path or stream name, for messages.</summary>
    public string Source { get; }

    /// <summary>Binary values are big endian (Explicit VR Big Endian).</summary>
    public bool BigEndian { get; }

    /// <summary>The data set holding the sequence this item belongs to; null at the top level.</summary>
    public DicomDataset? Parent { get; }

    /// <summary>The elements in file order.</summary>
    public IReadOnlyList<DicomElement> Elements => _order;

    /// <summary>The text encoding from Specific Character Set, inherited from the enclosing data set.</summary>
    public Encoding TextEncoding => _encoding ??=
        _elements.ContainsKey(DicomTags.SpecificCharacterSet.Value)
            ? DicomCharacterSet.FromSpecificCharacterSet(Encoding.Latin1.GetString(_elements[DicomTags.SpecificCharacterSet.Value].Value.Span))
            : Parent?.TextEncoding ?? Encoding.Latin1;

    internal void Add(DicomElement element)
    {
        // A repeated tag is malformed; like DCMTK, the later one wins, and file order keeps both.
        _elements[element.Tag.Value] = element;
        _order.Add(element);
    }

    /// <summary>True when the element is present (even if empty).</summary>
    public bool Contains(DicomTag tag) => _elements.ContainsKey(tag.Value);

    /// <summary>The element, or null.</summary>
    public DicomElement? Find(DicomTag tag) => _elements.GetValueOrDefault(tag.Value);

    /// <summary>The whole text value, trimmed of padding (trailing spaces and NULs, and leading spaces); null when absent or empty.</summary>
    public string? GetString(DicomTag tag)
    {
        var element = Find(tag);
        if (element is null || element.Value.IsEmpty) return null;
        var text = TextEncoding.GetString(element.Value.Span).Trim(' ', '\0');
        return text.Length == 0 ? null : text;
    }

    /// <summary>The backslash-separated values of a text element, each trimmed; empty when absent.</summary>
    public string[] GetStrings(DicomTag tag)
    {
        var text = GetString(tag);
        if (text is null) return [];
        var parts = text.Split('\\');
        for (int i = 0; i < parts.Length; i++) parts[i] = parts[i].Trim(' ', '\0');
        return parts;
    }

    /// <summary>
    /// The first value of an integer element: US, SS, UL, SL as binary, IS as text. Implicit VR elements this
    /// reader does not know (UN) are read by their length: 2 bytes as US, 4 as UL.
    /// </summary>
    /// <exception cref="DicomFormatException">The value is not an integer.</exception>
    public int? GetInt(DicomTag tag)
    {
        var element = Find(tag);
        if (element is null || element.Value.IsEmpty) return null;
        var span = element.Value.Span;
        var vr = element.VR;
        if (vr == DicomVR.IS || vr == DicomVR.DS)
        {
            var first = GetStrings(tag).FirstOrDefault();
            if (string.IsNullOrEmpty(first)) return null;
            if (double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number is >= int.MinValue and <= int.MaxValue)
                return (int)Math.Round(number);
            throw new DicomFormatException(Source, $"{tag} at offset {element.Offset}: the value ({first.Length} characters, not shown) is not an integer string");
        }
        if (vr == DicomVR.SS && span.Length >= 2) return ReadInt16(span);
        if (vr == DicomVR.SL && span.Length >= 4) return ReadInt32(span);
        if ((vr == DicomVR.UL || vr == DicomVR.UN || vr == DicomVR.OL) && span.Length >= 4 && span.Length != 2)
        {
            uint value = ReadUInt32(span);
            if (value > int.MaxValue) throw new DicomFormatException(Source, $"{tag} at offset {element.Offset}: value {value} is out of range");
            return (int)value;
        }
        if (span.Length >= 2) return ReadUInt16(span);
        throw new DicomFormatException(Source, $"{tag} at offset {element.Offset}: {span.Length}-byte value is too short for {vr}");
    }

    /// <summary>All values of a decimal element (DS or IS as text, FL or FD as binary); empty when absent.</summary>
    /// <exception cref="DicomFormatException">A value is not a number.</exception>
    public double[] GetDoubles(DicomTag tag)
    {
        var element = Find(tag);
        if (element is null || element.Value.IsEmpty) return [];
        var span = element.Value.Span;
        if (element.VR == DicomVR.FD)
        {
            var values = new double[span.Length / 8];
            for (int i = 0; i < values.Length; i++)
                values[i] = BitConverter.Int64BitsToDouble(BigEndian ? BinaryPrimitives.ReadInt64BigEndian(span[(8 * i)..]) : BinaryPrimitives.ReadInt64LittleEndian(span[(8 * i)..]));
            return values;
        }
        if (element.VR == DicomVR.FL)
        {
            var values = new double[span.Length / 4];
            for (int i = 0; i < values.Length; i++)
                values[i] = BitConverter.Int32BitsToSingle(ReadInt32(span[(4 * i)..]));
            return values;
        }
        var parts = GetStrings(tag);
        var result = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out result[i]) || !double.IsFinite(result[i]))
                throw new DicomFormatException(Source, $"{tag} at offset {element.Offset}: value {i + 1} ({parts[i].Length} characters, not shown) is not a decimal number");
        }
        return result;
    }

    /// <summary>The first decimal value, or null when absent.</summary>
    public double? GetDouble(DicomTag tag)
    {
        var values = GetDoubles(tag);
        return values.Length > 0 ? values[0] : null;
    }

    /// <summary>All 16-bit values of a US, SS or OW element (SS reinterpreted as unsigned bit patterns).</summary>
    public ushort[] GetUInt16s(DicomTag tag)
    {
        var element = Find(tag);
        if (element is null) return [];
        var span = element.Value.Span;
        var values = new ushort[span.Length / 2];
        for (int i = 0; i < values.Length; i++) values[i] = ReadUInt16(span[(2 * i)..]);
        return values;
    }

    /// <summary>All 64-bit unsigned values of an OV/UV element (the extended offset table).</summary>
    public ulong[] GetUInt64s(DicomTag tag)
    {
        var element = Find(tag);
        if (element is null) return [];
        var span = element.Value.Span;
        var values = new ulong[span.Length / 8];
        for (int i = 0; i < values.Length; i++)
            values[i] = BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(span[(8 * i)..]) : BinaryPrimitives.ReadUInt64LittleEndian(span[(8 * i)..]);
        return values;
    }

    /// <summary>The items of a sequence; empty when absent or not a sequence.</summary>
    public IReadOnlyList<DicomDataset> GetSequence(DicomTag tag) => Find(tag)?.Items ?? [];

    private ushort ReadUInt16(ReadOnlySpan<byte> span) => BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(span) : BinaryPrimitives.ReadUInt16LittleEndian(span);
    private short ReadInt16(ReadOnlySpan<byte> span) => BigEndian ? BinaryPrimitives.ReadInt16BigEndian(span) : BinaryPrimitives.ReadInt16LittleEndian(span);
    private uint ReadUInt32(ReadOnlySpan<byte> span) => BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(span) : BinaryPrimitives.ReadUInt32LittleEndian(span);
    private int ReadInt32(ReadOnlySpan<byte> span) => BigEndian ? BinaryPrimitives.ReadInt32BigEndian(span) : BinaryPrimitives.ReadInt32LittleEndian(span);
}
