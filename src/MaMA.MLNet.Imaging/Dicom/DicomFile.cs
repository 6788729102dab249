using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;

namespace MaMA.MLNet.Imaging.Dicom;

/// <summary>
/// A parsed DICOM file: the file meta group (empty when the file has none), the data set and the transfer
/// syntax it was read with. Reads PS3.10 files (128-byte preamble, "DICM", meta group), meta groups without a
/// preamble, and bare data sets, whose encoding it guesses from the first element the way DCMTK and pydicom do.
/// </summary>
public sealed class DicomFile
{
    /// <summary>Files larger than this are refused before any buffer is taken (the whole file is held in memory).</summary>
    public const long MaxFileBytes = int.MaxValue - 64;

    /// <summary>How much of a file <see cref="OpenHeader(string)"/> reads first; it doubles while the header runs past it.</summary>
    public const int HeaderPrefixBytes = 64 * 1024;

    private DicomFile(string source, ReadOnlyMemory<byte> bytes, DicomDataset fileMeta, DicomDataset dataset, DicomTransferSyntax transferSyntax, string? declaredUid, bool hasPreamble, bool guessed,
        bool headerOnly = false)
    {
        IsHeaderOnly = headerOnly;
        Source = source;
        Bytes = bytes;
        FileMeta = fileMeta;
        Dataset = dataset;
        TransferSyntax = transferSyntax;
        DeclaredTransferSyntaxUid = declaredUid;
        HasPreamble = hasPreamble;
        TransferSyntaxGuessed = guessed;
    }

    /// <summary>The file path or stream name, for messages.</summary>
    public string Source { get; }

    /// <summary>The bytes the data set was parsed from (inflated for deflated files); element values point into them.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>The file meta information group (0002,xxxx); empty when the file has none.</summary>
    public DicomDataset FileMeta { get; }

    /// <summary>The data set.</summary>
    public DicomDataset Dataset { get; }

    /// <summary>
    /// The transfer syntax the data set was read with. When the file declares a UID this reader does not know,
    /// this is an entry with <see cref="PixelEncoding.Unsupported"/> read as explicit VR little endian (as every
    /// newer transfer syntax is); the header still reads, the pixel data does not.
    /// </summary>
    public DicomTransferSyntax TransferSyntax { get; }

    /// <summary>Transfer Syntax UID (0002,0010) as written; null when the file has no meta group or the meta group lacks it.</summary>
    public string? DeclaredTransferSyntaxUid { get; }

    /// <summary>The file starts with the 128-byte preamble and "DICM".</summary>
    public bool HasPreamble { get; }

    /// <summary>The transfer syntax was guessed from the data set's first bytes (no meta group, or no UID in it).</summary>
    public bool TransferSyntaxGuessed { get; }

    /// <summary>
    /// Made by <see cref="OpenHeader(string)"/>: the data set stops before the pixel data, which was not read; decode
    /// pixels from a file made by <see cref="Open(string)"/>.
    /// </summary>
    public bool IsHeaderOnly { get; }

    /// <summary>True when <paramref name="head"/> (the first bytes of a file) looks like DICOM: "DICM" at 128, or a plausible first element.</summary>
    public static bool LooksLikeDicom(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 132 && head.Slice(128, 4).SequenceEqual("DICM"u8)) return true;
        if (head.Length < 8) return false;
        // A bare data set or meta group starts with a low group number (0002 or 0008 in practice), little or big endian.
        ushort groupLe = BinaryPrimitives.ReadUInt16LittleEndian(head);
        ushort groupBe = BinaryPrimitives.ReadUInt16BigEndian(head);
        bool plausibleGroup = groupLe is 0x0002 or 0x0008 || groupBe is 0x0008;
        return plausibleGroup && (DicomVR.TryParse(head[4], head[5]) is not null || head[4] == 0 || head[6] == 0 || head[7] == 0);
    }

    /// <summary>Reads and parses a file.</summary>
    /// <exception cref="DicomException">The file is not readable DICOM.</exception>
    /// <exception cref="DecodeLimitExceededException">A deflated data set inflates past <see cref="DecodeLimits.MaxInflatedBytes"/>.</exception>
    public static DicomFile Open(string path) => Open(path, DecodeLimits.Default);

    /// <summary>Reads and parses a file under <paramref name="limits"/>.</summary>
    /// <exception cref="DicomException">The file is not readable DICOM.</exception>
    /// <exception cref="DecodeLimitExceededException">A deflated data set inflates past <see cref="DecodeLimits.MaxInflatedBytes"/>.</exception>
    public static DicomFile Open(string path, DecodeLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            return Read(stream, path, limits);
        }
        catch (IOException e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DicomException(path, "file not found", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new DicomException(path, "file not readable: " + e.Message, e);
        }
    }

    /// <summary>
    /// Reads and parses a file's header only: the data set up to, not including, the pixel data. It reads the first
    /// <see cref="HeaderPrefixBytes"/> and doubles that while the header runs past what was read, so a 50 MB
    /// mammogram costs one 64 KiB read. A file damaged after its header (cut inside the pixel data) reads here
    /// and fails in <see cref="Open(string)"/>; the checks on what is read are the same as <see cref="Open(string)"/>'s.
    /// </summary>
    /// <exception cref="DicomException">The header is not readable DICOM.</exception>
    public static DicomFile OpenHeader(string path) => OpenHeader(path, DecodeLimits.Default);

    /// <summary><see cref="OpenHeader(string)"/> under <paramref name="limits"/> (a deflated header inflates at most <see cref="DecodeLimits.MaxInflatedBytes"/>).</summary>
    public static DicomFile OpenHeader(string path, DecodeLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            long length = stream.Length;
            if (length > MaxFileBytes) throw new DicomUnsupportedException(path, $"{length} bytes is larger than the {MaxFileBytes} this reader holds in memory");
            for (long prefix = HeaderPrefixBytes; ; prefix *= 2)
            {
                var bytes = new byte[Math.Min(prefix, length)];
                stream.Position = 0;
                stream.ReadExactly(bytes);
                bool whole = bytes.Length == length;
                try
                {
                    var file = Parse(bytes, path, limits, headerOnly: true, out bool complete);
                    // Without reaching the pixel data, a prefix may have ended where zero padding is tolerated: read more.
                    if (complete || whole) return file;
                }
                catch (DicomFormatException) when (!whole)
                {
                    // The header runs past this prefix; read twice as much.
                }
            }
        }
        catch (IOException e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DicomException(path, "file not found", e);
        }
        catch (IOException e)
        {
            throw new DicomException(path, "could not be read: " + e.Message, e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new DicomException(path, "file not readable: " + e.Message, e);
        }
    }

    /// <summary>Reads a whole stream (from its current position) and parses it.</summary>
    /// <exception cref="DicomException">The stream is not readable DICOM.</exception>
    public static DicomFile Read(Stream stream, string source) => Read(stream, source, DecodeLimits.Default);

    /// <summary>Reads a whole stream (from its current position) and parses it under <paramref name="limits"/>.</summary>
    /// <exception cref="DicomException">The stream is not readable DICOM.</exception>
    /// <exception cref="DecodeLimitExceededException">A deflated data set inflates past <see cref="DecodeLimits.MaxInflatedBytes"/>.</exception>
    public static DicomFile Read(Stream stream, string source, DecodeLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        byte[] bytes;
        try
        {
            if (stream.CanSeek)
            {
                long remaining = stream.Length - stream.Position;
                if (remaining > MaxFileBytes) throw new DicomUnsupportedException(source, $"{remaining} bytes is larger than the {MaxFileBytes} this reader holds in memory");
                bytes = new byte[remaining];
                stream.ReadExactly(bytes);
            }
            else
            {
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                bytes = copy.ToArray();
            }
        }
        catch (EndOfStreamException e)
        {
            throw new DicomFormatException(source, "the stream ended before its declared length", e);
        }
        catch (IOException e)
        {
            // Includes a non-seekable stream longer than a MemoryStream can hold.
            throw new DicomException(source, "could not be read: " + e.Message, e);
        }
        return Parse(bytes, source, limits, headerOnly: false, out _);
    }

    /// <summary>Parses a file held in memory; element values point into <paramref name="bytes"/>.</summary>
    /// <exception cref="DicomException">The bytes are not readable DICOM.</exception>
    public static DicomFile Parse(ReadOnlyMemory<byte> bytes, string source) => Parse(bytes, source, DecodeLimits.Default, headerOnly: false, out _);

    /// <summary>Parses a file held in memory under <paramref name="limits"/>.</summary>
    /// <exception cref="DicomException">The bytes are not readable DICOM.</exception>
    /// <exception cref="DecodeLimitExceededException">A deflated data set inflates past <see cref="DecodeLimits.MaxInflatedBytes"/>.</exception>
    public static DicomFile Parse(ReadOnlyMemory<byte> bytes, string source, DecodeLimits limits) =>
        Parse(bytes, source, limits ?? throw new ArgumentNullException(nameof(limits)), headerOnly: false, out _);

    private static DicomFile Parse(ReadOnlyMemory<byte> bytes, string source, DecodeLimits limits, bool headerOnly, out bool reachedPixelData)
    {
        var span = bytes.Span;
        bool hasPreamble = span.Length >= 132 && span.Slice(128, 4).SequenceEqual("DICM"u8);
        int position = hasPreamble ? 132 : 0;
        var meta = new DicomDataset(source, false, null);
        if (span.Length - position >= 8 && BinaryPrimitives.ReadUInt16LittleEndian(span[position..]) == 0x0002)
            position = ParseMetaGroup(bytes, source, position, meta);
        else if (hasPreamble)
            throw new DicomFormatException(source, "no file meta information group after the DICM prefix");
        if (position >= span.Length) throw new DicomFormatException(source, $"no data set after the file meta group (file ends at offset {position})");

        string? declared = meta.GetString(DicomTags.TransferSyntaxUid)?.TrimEnd('\0', ' ');
        DicomTransferSyntax syntax;
        bool guessed = false;
        if (declared is null)
        {
            syntax = Guess(span[position..], source, position);
            guessed = true;
        }
        else
        {
            syntax = DicomTransferSyntax.Find(declared)
                     ?? new DicomTransferSyntax(declared, "unknown transfer syntax", true, false, false, PixelEncoding.Unsupported, false);
        }

        ReadOnlyMemory<byte> datasetBytes = bytes;
        if (syntax.Deflated)
        {
            datasetBytes = Inflate(bytes[position..], source, position, Math.Min(limits.MaxInflatedBytes, MaxFileBytes));
            position = 0;
        }
        var parser = new DicomDatasetParser(datasetBytes, source, stopAtPixelData: headerOnly);
        var dataset = parser.ParseTopLevel(position, syntax.ExplicitVR, syntax.BigEndian);
        reachedPixelData = parser.StoppedAtPixelData;
        return new DicomFile(source, datasetBytes, meta, dataset, syntax, declared, hasPreamble, guessed, headerOnly);
    }

    /// <summary>
    /// Reads the (0002,xxxx) elements, always explicit VR little endian, and returns where the data set starts. The
    /// group is read element by element while the group number is 0002, not by the group length, which some
    /// writers get wrong (DCMTK does the same).
    /// </summary>
    private static int ParseMetaGroup(ReadOnlyMemory<byte> bytes, string source, int position, DicomDataset meta)
    {
        var span = bytes.Span;
        while (span.Length - position >= 8 && BinaryPrimitives.ReadUInt16LittleEndian(span[position..]) == 0x0002)
        {
            var tag = DicomDatasetParser.ReadTag(span, position, false);
            var vr = DicomVR.TryParse(span[position + 4], span[position + 5])
                     ?? throw new DicomFormatException(source, $"file meta element {tag} at offset {position} has invalid VR bytes 0x{span[position + 4]:X2} 0x{span[position + 5]:X2}");
            int headerLength = vr.HasLongLength ? 12 : 8;
            if (span.Length - position < headerLength) throw new DicomFormatException(source, $"file meta element {tag} at offset {position} is cut short");
            uint length = vr.HasLongLength ? BinaryPrimitives.ReadUInt32LittleEndian(span[(position + 8)..]) : BinaryPrimitives.ReadUInt16LittleEndian(span[(position + 6)..]);
            if (length > (uint)(span.Length - position - headerLength))
                throw new DicomFormatException(source, $"file meta element {tag} at offset {position} declares {length} bytes but only {span.Length - position - headerLength} remain");
            meta.Add(new DicomElement(tag, vr, position, bytes.Slice(position + headerLength, (int)length)));
            position += headerLength + (int)length;
        }
        return position;
    }

    /// <summary>
    /// Guesses the encoding of a data set from its first element, as DCMTK and pydicom do: two upper-case letters
    /// that name a VR after the tag mean explicit VR; the byte order is the one that gives the smaller group
    /// number (data sets start with low groups such as 0008).
    /// </summary>
    internal static DicomTransferSyntax Guess(ReadOnlySpan<byte> head, string source, int offset)
    {
        if (head.Length < 8) throw new DicomFormatException(source, $"only {head.Length} bytes at offset {offset}: too few for a data set");
        bool explicitVR = DicomVR.TryParse(head[4], head[5]) is not null;
        ushort groupLe = BinaryPrimitives.ReadUInt16LittleEndian(head);
        ushort groupBe = BinaryPrimitives.ReadUInt16BigEndian(head);
        bool bigEndian = groupBe < groupLe;
        if (bigEndian && !explicitVR)
            throw new DicomUnsupportedException(source, "the data set looks like implicit VR big endian, which DICOM does not define");
        return bigEndian ? DicomTransferSyntax.ExplicitVRBigEndian
            : explicitVR ? DicomTransferSyntax.ExplicitVRLittleEndian : DicomTransferSyntax.ImplicitVRLittleEndian;
    }

    private static ReadOnlyMemory<byte> Inflate(ReadOnlyMemory<byte> compressed, string source, int offset, long limit)
    {
        try
        {
            // Read the compressed bytes in place when they live in an array. Inflate into chunks (1 MiB, doubling up
            // to 16 MiB) and stop at the limit: a few kilobytes of deflate can claim gigabytes, and a file that
            // passes the limit has then cost no more than the limit. The chunks are joined once at the end.
            using Stream input = MemoryMarshal.TryGetArray(compressed, out var segment)
                ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                : new MemoryStream(compressed.ToArray(), writable: false);
            using var inflater = new DeflateStream(input, CompressionMode.Decompress);
            var chunks = new List<byte[]>();
            long length = 0;
            int chunkSize = 1 << 20, filled = 0;
            byte[]? chunk = null;
            while (true)
            {
                if (chunk is null || filled == chunk.Length)
                {
                    if (length >= limit)
                    {
                        if (inflater.ReadByte() < 0) break;
                        throw new DecodeLimitExceededException(source, nameof(DecodeLimits.MaxInflatedBytes), limit, length + 1,
                            $"the deflated data set inflates to more than {limit:N0} bytes, the limit ({nameof(DecodeLimits)}.{nameof(DecodeLimits.MaxInflatedBytes)})");
                    }
                    chunk = new byte[(int)Math.Min(chunkSize, limit - length)];
                    chunks.Add(chunk);
                    chunkSize = Math.Min(chunkSize * 2, 16 << 20);
                    filled = 0;
                }
                int read = inflater.Read(chunk, filled, chunk.Length - filled);
                if (read == 0) break;
                filled += read;
                length += read;
            }
            if (chunks.Count == 1) return chunks[0].AsMemory(0, (int)length);
            var output = new byte[length];
            int position = 0;
            foreach (var part in chunks)
            {
                int count = (int)Math.Min(part.Length, length - position);
                part.AsSpan(0, count).CopyTo(output.AsSpan(position));
                position += count;
            }
            return output;
        }
        catch (InvalidDataException e)
        {
            throw new DicomFormatException(source, $"the deflated data set starting at offset {offset} does not inflate: {e.Message}", e);
        }
    }

    /// <summary>A one-line summary for messages and logs.</summary>
    public override string ToString() =>
        new StringBuilder().Append(Source).Append(": ").Append(TransferSyntax.Name)
            .Append(TransferSyntaxGuessed ? " (guessed)" : "").Append(", ").Append(Dataset.Elements.Count).Append(" elements").ToString();
}
