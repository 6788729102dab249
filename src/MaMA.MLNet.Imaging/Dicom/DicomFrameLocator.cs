using System.Buffers.Binary;

namespace MaMA.MLNet.Imaging.Dicom;

/// <summary>
/// Finds the compressed bytes of one frame in encapsulated pixel data (PS3.5 A.4): by the extended offset table,
/// else the basic offset table, else one fragment per frame, else by where the code streams start (a JPEG SOI
/// marker, a JPEG 2000 SOC marker or JP2 signature) when frames span several fragments.
/// </summary>
public static class DicomFrameLocator
{
    /// <summary>The fragments that make up frame <paramref name="frame"/>, in order.</summary>
    /// <exception cref="DicomFormatException">The offset tables or fragments do not give this frame.</exception>
    public static IReadOnlyList<ReadOnlyMemory<byte>> FindFrame(DicomDataset dataset, DicomElement pixelData, int frame, int frameCount)
    {
        string source = dataset.Source;
        var items = pixelData.Fragments ?? throw new DicomFormatException(source, "pixel data is not encapsulated");
        var fragments = items.Skip(1).ToArray();
        if (fragments.Length == 0) throw new DicomFormatException(source, "encapsulated pixel data has no fragments");

        var extendedOffsets = dataset.GetUInt64s(DicomTags.ExtendedOffsetTable);
        if (extendedOffsets.Length > 0)
        {
            var lengths = dataset.GetUInt64s(DicomTags.ExtendedOffsetTableLengths);
            if (extendedOffsets.Length != frameCount || lengths.Length != frameCount)
                throw new DicomFormatException(source, $"extended offset table has {extendedOffsets.Length} offsets and {lengths.Length} lengths for {frameCount} frames");
            return [Slice(source, fragments, extendedOffsets[frame], lengths[frame], frame)];
        }

        var offsetTable = items[0].Span;
        if (offsetTable.Length >= 4)
        {
            int entries = offsetTable.Length / 4;
            if (entries != frameCount)
                throw new DicomFormatException(source, $"basic offset table has {entries} entries for {frameCount} frames");
            uint start = BinaryPrimitives.ReadUInt32LittleEndian(offsetTable[(4 * frame)..]);
            uint? end = frame + 1 < entries ? BinaryPrimitives.ReadUInt32LittleEndian(offsetTable[(4 * frame + 4)..]) : null;
            return FragmentsBetween(source, fragments, start, end, frame);
        }

        if (fragments.Length == frameCount) return [fragments[frame]];
        if (frameCount == 1) return fragments;

        // No table and more fragments than frames: a frame starts at each fragment that starts a code stream.
        int found = -1;
        var result = new List<ReadOnlyMemory<byte>>();
        foreach (var fragment in fragments)
        {
            if (StartsCodeStream(fragment.Span)) found++;
            if (found == frame) result.Add(fragment);
            else if (found > frame) break;
        }
        if (result.Count == 0)
            throw new DicomFormatException(source, $"frame {frame} not found: {fragments.Length} fragments, no offset table, and only {found + 1} code stream starts");
        return result;
    }

    private static bool StartsCodeStream(ReadOnlySpan<byte> fragment) =>
        fragment.Length >= 2 && fragment[0] == 0xFF && (fragment[1] == 0xD8 || fragment[1] == 0x4F)
        || fragment.Length >= 8 && fragment[4] == 0x6A && fragment[5] == 0x50 && fragment[6] == 0x20 && fragment[7] == 0x20;

    /// <summary>Fragments whose item starts lie in [start, end), offsets counted from the first fragment's item tag.</summary>
    private static List<ReadOnlyMemory<byte>> FragmentsBetween(string source, ReadOnlyMemory<byte>[] fragments, uint start, uint? end, int frame)
    {
        var result = new List<ReadOnlyMemory<byte>>();
        long position = 0;
        bool aligned = false;
        foreach (var fragment in fragments)
        {
            if (position == start) aligned = true;
            if (position >= start && (end is null || position < end)) result.Add(fragment);
            position += 8 + fragment.Length;
        }
        if (!aligned || result.Count == 0)
            throw new DicomFormatException(source, $"basic offset table entry {start} for frame {frame} does not point at a fragment");
        return result;
    }

    /// <summary>A frame located by the extended offset table: a byte range that must lie inside one fragment.</summary>
    private static ReadOnlyMemory<byte> Slice(string source, ReadOnlyMemory<byte>[] fragments, ulong offset, ulong length, int frame)
    {
        ulong position = 0;
        foreach (var fragment in fragments)
        {
            if (offset == position)
            {
                if (length > (ulong)fragment.Length) throw new DicomFormatException(source, $"extended offset table length {length} for frame {frame} exceeds its {fragment.Length}-byte fragment");
                return fragment[..(int)length];
            }
            position += 8 + (ulong)fragment.Length;
        }
        throw new DicomFormatException(source, $"extended offset table offset {offset} for frame {frame} does not point at a fragment");
    }
}
