namespace MaMA.MLNet.Imaging.Dicom;

/// <summary>
/// One data element as the parser found it. The value is a slice of the file's bytes (never copied, never
/// byte-swapped): typed access goes through <see cref="DicomDataset"/>, which knows the byte order and the
/// character set. Sequences carry their items, encapsulated pixel data its fragments.
/// </summary>
public sealed class DicomElement
{
    internal DicomElement(DicomTag tag, DicomVR vr, long offset, ReadOnlyMemory<byte> value,
        IReadOnlyList<DicomDataset>? items = null, IReadOnlyList<ReadOnlyMemory<byte>>? fragments = null)
    {
        Tag = tag;
        VR = vr;
        Offset = offset;
        Value = value;
        Items = items;
        Fragments = fragments;
    }

    /// <summary>The tag.</summary>
    public DicomTag Tag { get; }

    /// <summary>The VR written in the file (explicit VR) or taken from the dictionary (implicit VR; UN when unknown).</summary>
    public DicomVR VR { get; }

    /// <summary>Byte offset of the element's tag in the parsed data (after inflation for deflated files), for messages.</summary>
    public long Offset { get; }

    /// <summary>The raw value bytes as stored; empty for sequences and encapsulated pixel data.</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <summary>Items of a sequence; null when the element is not a sequence.</summary>
    public IReadOnlyList<DicomDataset>? Items { get; }

    /// <summary>
    /// Items of encapsulated pixel data (undefined length): the first is the basic offset table (possibly empty),
    /// the rest are the compressed fragments. Null for native values.
    /// </summary>
    public IReadOnlyList<ReadOnlyMemory<byte>>? Fragments { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Tag} {VR} at offset {Offset}";
}
