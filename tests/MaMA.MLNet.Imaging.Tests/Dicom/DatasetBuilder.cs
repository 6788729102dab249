using System.Buffers.Binary;
using System.Text;
using MaMA.MLNet.Imaging.Dicom;

namespace MaMA.MLNet.Imaging.Tests.Dicom;

/// <summary>
/// Writes data set bytes element by element, in any of the three uncompressed encodings, with sequences of defined
/// or undefined length: an independent way to build inputs for the parser (it shares no code with it).
/// </summary>
public sealed class DatasetBuilder(bool explicitVR = true, bool bigEndian = false)
{
    private readonly MemoryStream _bytes = new();

    public bool ExplicitVR { get; } = explicitVR;
    public bool BigEndian { get; } = bigEndian;

    public byte[] ToArray() => _bytes.ToArray();

    public DatasetBuilder Text(ushort group, ushort element, string vr, string value, Encoding? encoding = null)
    {
        var bytes = (encoding ?? Encoding.ASCII).GetBytes(value);
        if ((bytes.Length & 1) == 1) bytes = [.. bytes, vr == "UI" ? (byte)0 : (byte)' '];
        return Raw(group, element, vr, bytes);
    }

    public DatasetBuilder UShort(ushort group, ushort element, params ushort[] values)
    {
        var bytes = new byte[2 * values.Length];
        for (int i = 0; i < values.Length; i++) Write16(bytes.AsSpan(2 * i), values[i]);
        return Raw(group, element, "US", bytes);
    }

    /// <summary>OW data: 16-bit words in the builder's byte order.</summary>
    public DatasetBuilder Words(ushort group, ushort element, ReadOnlySpan<ushort> words)
    {
        var bytes = new byte[2 * words.Length];
        for (int i = 0; i < words.Length; i++) Write16(bytes.AsSpan(2 * i), words[i]);
        return Raw(group, element, "OW", bytes);
    }

    public DatasetBuilder Raw(ushort group, ushort element, string vr, ReadOnlySpan<byte> value, uint? lengthOverride = null)
    {
        Header(group, element, vr, lengthOverride ?? (uint)value.Length);
        _bytes.Write(value);
        return this;
    }

    /// <summary>A sequence whose items are built by <paramref name="items"/>; lengths defined or undefined.</summary>
    public DatasetBuilder Sequence(ushort group, ushort element, bool undefinedLength, params Action<DatasetBuilder>[] items)
    {
        var content = new MemoryStream();
        foreach (var build in items)
        {
            var item = new DatasetBuilder(ExplicitVR, BigEndian);
            build(item);
            var itemBytes = item.ToArray();
            content.Write(TagBytes(0xFFFE, 0xE000));
            content.Write(UInt32Bytes(undefinedLength ? 0xFFFF_FFFF : (uint)itemBytes.Length));
            content.Write(itemBytes);
            if (undefinedLength)
            {
                content.Write(TagBytes(0xFFFE, 0xE00D));
                content.Write(UInt32Bytes(0));
            }
        }
        if (undefinedLength)
        {
            content.Write(TagBytes(0xFFFE, 0xE0DD));
            content.Write(UInt32Bytes(0));
        }
        Header(group, element, "SQ", undefinedLength ? 0xFFFF_FFFF : (uint)content.Length);
        _bytes.Write(content.ToArray());
        return this;
    }

    /// <summary>Encapsulated pixel data: the given basic offset table entries, then the fragments.</summary>
    public DatasetBuilder Encapsulated(uint[] offsetTable, params byte[][] fragments)
    {
        Header(0x7FE0, 0x0010, "OB", 0xFFFF_FFFF);
        _bytes.Write(TagBytes(0xFFFE, 0xE000));
        _bytes.Write(UInt32Bytes((uint)(4 * offsetTable.Length)));
        foreach (var offset in offsetTable) _bytes.Write(UInt32Bytes(offset));
        foreach (var fragment in fragments)
        {
            _bytes.Write(TagBytes(0xFFFE, 0xE000));
            _bytes.Write(UInt32Bytes((uint)fragment.Length));
            _bytes.Write(fragment);
        }
        _bytes.Write(TagBytes(0xFFFE, 0xE0DD));
        _bytes.Write(UInt32Bytes(0));
        return this;
    }

    /// <summary>A PS3.10 file: preamble, DICM, file meta group (explicit VR little endian) and this data set.</summary>
    public byte[] ToPart10(string transferSyntaxUid)
    {
        var meta = new DatasetBuilder();
        meta.Raw(0x0002, 0x0001, "OB", [0, 1]);
        meta.Text(0x0002, 0x0010, "UI", transferSyntaxUid);
        var metaBytes = meta.ToArray();
        var file = new MemoryStream();
        file.Write(new byte[128]);
        file.Write("DICM"u8);
        var groupLength = new DatasetBuilder();
        groupLength.Raw(0x0002, 0x0000, "UL", BitConverter.GetBytes((uint)metaBytes.Length));
        file.Write(groupLength.ToArray());
        file.Write(metaBytes);
        file.Write(ToArray());
        return file.ToArray();
    }

    private void Header(ushort group, ushort element, string vr, uint length)
    {
        _bytes.Write(TagBytes(group, element));
        if (!ExplicitVR)
        {
            _bytes.Write(UInt32Bytes(length));
            return;
        }
        _bytes.Write(Encoding.ASCII.GetBytes(vr));
        if (vr is "OB" or "OD" or "OF" or "OL" or "OV" or "OW" or "SQ" or "SV" or "UC" or "UN" or "UR" or "UT" or "UV")
        {
            _bytes.Write([0, 0]);
            _bytes.Write(UInt32Bytes(length));
        }
        else
        {
            var bytes = new byte[2];
            Write16(bytes, (ushort)length);
            _bytes.Write(bytes);
        }
    }

    private byte[] TagBytes(ushort group, ushort element)
    {
        var bytes = new byte[4];
        Write16(bytes, group);
        Write16(bytes.AsSpan(2), element);
        return bytes;
    }

    private byte[] UInt32Bytes(uint value)
    {
        var bytes = new byte[4];
        if (BigEndian) BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        else BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return bytes;
    }

    private void Write16(Span<byte> span, ushort value)
    {
        if (BigEndian) BinaryPrimitives.WriteUInt16BigEndian(span, value);
        else BinaryPrimitives.WriteUInt16LittleEndian(span, value);
    }

    /// <summary>A minimal 16-bit grayscale image module.</summary>
    public DatasetBuilder ImagePixelModule(int rows, int columns, int bitsAllocated, int bitsStored, int highBit, bool signed, int samples = 1, string photometric = "MONOCHROME2", int frames = 1, int planar = 0)
    {
        UShort(0x0028, 0x0002, (ushort)samples);
        Text(0x0028, 0x0004, "CS", photometric);
        if (samples > 1) UShort(0x0028, 0x0006, (ushort)planar);
        if (frames != 1) Text(0x0028, 0x0008, "IS", frames.ToString(System.Globalization.CultureInfo.InvariantCulture));
        UShort(0x0028, 0x0010, (ushort)rows);
        UShort(0x0028, 0x0011, (ushort)columns);
        UShort(0x0028, 0x0100, (ushort)bitsAllocated);
        UShort(0x0028, 0x0101, (ushort)bitsStored);
        UShort(0x0028, 0x0102, (ushort)highBit);
        UShort(0x0028, 0x0103, (ushort)(signed ? 1 : 0));
        return this;
    }
}
