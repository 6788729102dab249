namespace MaMA.MLNet.Imaging.Dicom;

/// <summary>A data element tag: group and element number, ordered as DICOM orders data sets.</summary>
/// <param name="Group">Group number.</param>
/// <param name="Element">Element number.</param>
public readonly record struct DicomTag(ushort Group, ushort Element) : IComparable<DicomTag>
{
    /// <summary>Group and element as one number, group in the high half (the order data sets are sorted by).</summary>
    public uint Value => ((uint)Group << 16) | Element;

    /// <summary>Odd groups (other than 1, 3, 5, 7 and FFFF) hold vendors' private elements.</summary>
    public bool IsPrivate => (Group & 1) == 1 && Group > 7 && Group != 0xFFFF;

    /// <summary>Creates a tag from the combined number.</summary>
    public static DicomTag FromValue(uint value) => new((ushort)(value >> 16), (ushort)value);

    /// <inheritdoc />
    public int CompareTo(DicomTag other) => Value.CompareTo(other.Value);

    /// <summary>(gggg,eeee) in hexadecimal, as DICOM tools print tags.</summary>
    public override string ToString() => $"({Group:X4},{Element:X4})";
}
