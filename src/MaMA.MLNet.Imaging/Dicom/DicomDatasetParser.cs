using System.Buffers.Binary;

namespace MaMA.MLNet.Imaging.Dicom;

/// <summary>
/// Parses the elements of a data set from bytes held in memory. Every declared length is checked against the
/// bytes that remain before anything is sliced or allocated, nesting is bounded by <see cref="MaxDepth"/>, and
/// every loop advances by at least one element header, so no input makes it hang. Element values are slices of
/// the input; nothing is copied.
/// </summary>
internal sealed class DicomDatasetParser
{
    /// <summary>How deep sequences may nest; real files rarely pass 5.</summary>
    public const int MaxDepth = 32;

    private const uint UndefinedLength = 0xFFFF_FFFF;

    private readonly ReadOnlyMemory<byte> _data;
    private readonly string _source;
    private readonly bool _stopAtPixelData;

    /// <param name="data">The bytes.</param>
    /// <param name="source">The file, for messages.</param>
    /// <param name="stopAtPixelData">Stop at the first top-level element from (7FE0,0008) on (float, double or
    /// integer pixel data), leaving it and what follows unread: a header-only read of a file's first bytes.</param>
    public DicomDatasetParser(ReadOnlyMemory<byte> data, string source, bool stopAtPixelData = false)
    {
        _data = data;
        _source = source;
        _stopAtPixelData = stopAtPixelData;
    }

    /// <summary>True when a parse made with stopAtPixelData reached the pixel data (so the header before it is whole).</summary>
    public bool StoppedAtPixelData { get; private set; }

    /// <summary>Parses a whole data set that runs from <paramref name="start"/> to the end of the data.</summary>
    public DicomDataset ParseTopLevel(int start, bool explicitVR, bool bigEndian)
    {
        var dataset = new DicomDataset(_source, bigEndian, null);
        ParseElements(dataset, start, _data.Length, explicitVR, bigEndian, depth: 0, untilItemDelimiter: false);
        return dataset;
    }

    /// <summary>
    /// Reads elements into <paramref name="dataset"/> from <paramref name="position"/> up to <paramref name="end"/>;
    /// with <paramref name="untilItemDelimiter"/> it stops after an item delimitation item instead and fails if
    /// none comes. Returns the position after the last byte read.
    /// </summary>
    private int ParseElements(DicomDataset dataset, int position, int end, bool explicitVR, bool bigEndian, int depth, bool untilItemDelimiter)
    {
        var span = _data.Span;
        while (position < end)
        {
            if (end - position < 8)
            {
                // Trailing zero padding after the last element is tolerated (DCMTK warns and reads on).
                if (!untilItemDelimiter && span[position..end].IndexOfAnyExcept((byte)0) < 0) return end;
                throw Error($"{end - position} stray bytes at offset {position} are too few for an element header");
            }
            int elementOffset = position;
            var tag = ReadTag(span, position, bigEndian);
            if (tag.Group == 0xFFFE)
            {
                uint delimiterLength = ReadUInt32(span, position + 4, bigEndian);
                if (tag == DicomTags.ItemDelimitationItem && untilItemDelimiter) return position + 8;
                if (tag == DicomTags.ItemDelimitationItem || tag == DicomTags.SequenceDelimitationItem)
                {
                    // A stray delimiter where none belongs: DCMTK skips it; its length must be zero.
                    if (delimiterLength != 0) throw Error($"{tag} at offset {position} has length {delimiterLength}, not 0");
                    position += 8;
                    continue;
                }
                throw Error($"an item tag {tag} at offset {position} outside any sequence");
            }
            if (_stopAtPixelData && depth == 0 && !untilItemDelimiter && tag.Value >= DicomTags.FloatPixelData.Value)
            {
                StoppedAtPixelData = true;
                return elementOffset;
            }

            DicomVR vr;
            uint length;
            if (explicitVR)
            {
                var parsed = DicomVR.TryParse(span[position + 4], span[position + 5]);
                if (parsed is null)
                {
                    bool letters = char.IsAsciiLetterUpper((char)span[position + 4]) && char.IsAsciiLetterUpper((char)span[position + 5]);
                    if (!letters)
                        throw Error($"{tag} at offset {position} has invalid VR bytes 0x{span[position + 4]:X2} 0x{span[position + 5]:X2}");
                    // PS3.5 7.1.2: VRs defined after this reader was written use the 32-bit length form; read them as UN.
                    parsed = DicomVR.UN;
                    if (end - position < 12) throw Truncated(tag, position, 12, end - position);
                    length = ReadUInt32(span, position + 8, bigEndian);
                    position += 12;
                }
                else if (parsed.Value.HasLongLength)
                {
                    if (end - position < 12) throw Truncated(tag, position, 12, end - position);
                    length = ReadUInt32(span, position + 8, bigEndian);
                    position += 12;
                }
                else
                {
                    length = ReadUInt16(span, position + 6, bigEndian);
                    position += 8;
                }
                vr = parsed.Value;
            }
            else
            {
                vr = DicomDictionary.ImplicitVR(tag);
                length = ReadUInt32(span, position + 4, bigEndian);
                position += 8;
            }

            if (length == UndefinedLength)
            {
                if (tag == DicomTags.PixelData && (vr == DicomVR.OB || vr == DicomVR.OW || vr == DicomVR.UN || !explicitVR))
                {
                    position = ParseFragments(dataset, tag, vr, elementOffset, position, end, bigEndian);
                }
                else if (vr == DicomVR.SQ || vr == DicomVR.UN || !explicitVR)
                {
                    // PS3.5 6.2.2: an undefined-length UN holds a sequence encoded in implicit VR little endian;
                    // an unknown undefined-length element in an implicit data set is a sequence too (as DCMTK reads it).
                    bool itemsExplicit = vr == DicomVR.SQ && explicitVR;
                    bool itemsBigEndian = vr == DicomVR.SQ && bigEndian;
                    var items = new List<DicomDataset>();
                    position = ParseItems(dataset, items, tag, position, end, definedEnd: null, itemsExplicit, itemsBigEndian, depth + 1);
                    dataset.Add(new DicomElement(tag, DicomVR.SQ, elementOffset, ReadOnlyMemory<byte>.Empty, items));
                }
                else
                {
                    throw Error($"{tag} {vr} at offset {elementOffset} has undefined length, which only sequences and encapsulated pixel data may have");
                }
                continue;
            }

            if (length > (uint)(end - position))
                throw Error($"{tag} {vr} at offset {elementOffset} declares {length} bytes but only {end - position} remain");
            int valueEnd = position + (int)length;
            if (vr == DicomVR.SQ)
            {
                var items = new List<DicomDataset>();
                ParseItems(dataset, items, tag, position, valueEnd, definedEnd: valueEnd, explicitVR, bigEndian, depth + 1);
                dataset.Add(new DicomElement(tag, vr, elementOffset, ReadOnlyMemory<byte>.Empty, items));
            }
            else
            {
                dataset.Add(new DicomElement(tag, vr, elementOffset, _data.Slice(position, (int)length)));
            }
            position = valueEnd;
        }
        if (untilItemDelimiter) throw Error($"an item with undefined length is not closed by an item delimitation item before offset {end}");
        return position;
    }

    /// <summary>Reads sequence items until the defined end or the sequence delimitation item.</summary>
    private int ParseItems(DicomDataset parent, List<DicomDataset> items, DicomTag sequenceTag, int position, int end, int? definedEnd,
        bool explicitVR, bool bigEndian, int depth)
    {
        if (depth > MaxDepth) throw Error($"sequence {sequenceTag} at offset {position} nests deeper than {MaxDepth} levels");
        var span = _data.Span;
        while (definedEnd is null || position < definedEnd)
        {
            if (end - position < 8)
                throw Error($"sequence {sequenceTag} is cut short at offset {position}: {(definedEnd is null ? "no sequence delimitation item" : "an item header")} is missing");
            var tag = ReadTag(span, position, bigEndian);
            uint length = ReadUInt32(span, position + 4, bigEndian);
            int itemOffset = position;
            position += 8;
            if (tag == DicomTags.SequenceDelimitationItem)
            {
                if (definedEnd is null) return position;
                continue; // tolerated inside a defined-length sequence, as DCMTK does
            }
            if (tag != DicomTags.Item)
                throw Error($"sequence {sequenceTag}: expected an item tag at offset {itemOffset}, found {tag}");
            var item = new DicomDataset(_source, bigEndian, parent);
            if (length == UndefinedLength)
            {
                position = ParseElements(item, position, end, explicitVR, bigEndian, depth, untilItemDelimiter: true);
            }
            else
            {
                if (length > (uint)(end - position))
                    throw Error($"item of sequence {sequenceTag} at offset {itemOffset} declares {length} bytes but only {end - position} remain");
                ParseElements(item, position, position + (int)length, explicitVR, bigEndian, depth, untilItemDelimiter: false);
                position += (int)length;
            }
            items.Add(item);
        }
        return position;
    }

    /// <summary>Reads encapsulated pixel data: the offset table item, then fragment items up to the sequence delimiter.</summary>
    private int ParseFragments(DicomDataset dataset, DicomTag tag, DicomVR vr, int elementOffset, int position, int end, bool bigEndian)
    {
        var span = _data.Span;
        var fragments = new List<ReadOnlyMemory<byte>>();
        while (true)
        {
            if (end - position < 8)
                throw Error($"encapsulated pixel data {tag} at offset {elementOffset} is cut short at offset {position}: no sequence delimitation item");
            var itemTag = ReadTag(span, position, bigEndian);
            uint length = ReadUInt32(span, position + 4, bigEndian);
            if (itemTag == DicomTags.SequenceDelimitationItem)
            {
                position += 8;
                break;
            }
            if (itemTag != DicomTags.Item)
                throw Error($"encapsulated pixel data: expected a fragment item at offset {position}, found {itemTag}");
            if (length > (uint)(end - position - 8))
                throw Error($"fragment at offset {position} declares {length} bytes but only {end - position - 8} remain");
            fragments.Add(_data.Slice(position + 8, (int)length));
            position += 8 + (int)length;
        }
        if (fragments.Count == 0) throw Error($"encapsulated pixel data at offset {elementOffset} has no basic offset table item");
        dataset.Add(new DicomElement(tag, vr, elementOffset, ReadOnlyMemory<byte>.Empty, fragments: fragments));
        return position;
    }

    private DicomFormatException Truncated(DicomTag tag, int position, int needed, int left) =>
        Error($"{tag} at offset {position}: element header needs {needed} bytes but only {left} remain");

    private DicomFormatException Error(string problem) => new(_source, problem);

    internal static DicomTag ReadTag(ReadOnlySpan<byte> span, int position, bool bigEndian) =>
        new(ReadUInt16(span, position, bigEndian), ReadUInt16(span, position + 2, bigEndian));

    private static ushort ReadUInt16(ReadOnlySpan<byte> span, int position, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(span[position..]) : BinaryPrimitives.ReadUInt16LittleEndian(span[position..]);

    private static uint ReadUInt32(ReadOnlySpan<byte> span, int position, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(span[position..]) : BinaryPrimitives.ReadUInt32LittleEndian(span[position..]);
}
