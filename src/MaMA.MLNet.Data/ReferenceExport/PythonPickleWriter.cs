using System.Buffers.Binary;
using System.Text;

namespace MaMA.MLNet.Data.ReferenceExport;

/// <summary>
/// Writes a Python <c>dict[str, list[str]]</c> as a pickle (protocol 2), the format of the reference's
/// <c>img_path2inter_side.pkl</c> (XYPB/MaMA <c>preprocess_embed.py</c>: <c>pickle.dump(img_path2same_case, ...)</c>).
/// The bytes are those of CPython's <c>pickletools.optimize(pickle.dumps(d, protocol=2))</c> when no string object is
/// shared, batched as CPython's C pickler (<c>_pickle.c</c>) does: <c>PROTO 2</c>, <c>EMPTY_DICT</c>, a lone item
/// with <c>SETITEM</c>, more in batches of 1000 (<c>MARK ... SETITEMS</c>), each list the same way with <c>APPEND</c> /
/// <c>MARK ... APPENDS</c>, every string <c>BINUNICODE</c> (UTF-8), no memo, <c>STOP</c>.
/// </summary>
public static class PythonPickleWriter
{
    private const int BatchSize = 1000; // BATCHSIZE of _pickle.c
    private const byte Proto = 0x80, EmptyDict = (byte)'}', EmptyList = (byte)']', Mark = (byte)'(', SetItems = (byte)'u',
        SetItem = (byte)'s', Appends = (byte)'e', Append = (byte)'a', BinUnicode = (byte)'X', Stop = (byte)'.';

    /// <summary>Writes <paramref name="map"/>, in its enumeration order, to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, IEnumerable<KeyValuePair<string, IReadOnlyList<string>>> map)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(map);
        // Not disposed: that would close the caller's stream.
        var output = new BufferedStream(stream, 1 << 16);
        output.WriteByte(Proto);
        output.WriteByte(2);
        output.WriteByte(EmptyDict);
        using (var items = map.GetEnumerator())
        {
            if (items.MoveNext())
            {
                var first = items.Current;
                if (!items.MoveNext())
                {
                    // _pickle's batch_dict_exact: one item is SETITEM without MARK.
                    WriteItem(output, first);
                    output.WriteByte(SetItem);
                }
                else
                {
                    // Batches of 1000; after a full batch comes another, even an empty one (do ... while (i == BATCHSIZE)).
                    var pending = new Queue<KeyValuePair<string, IReadOnlyList<string>>>([first, items.Current]);
                    int written;
                    do
                    {
                        output.WriteByte(Mark);
                        for (written = 0; written < BatchSize; written++)
                        {
                            if (pending.TryDequeue(out var item)) WriteItem(output, item);
                            else if (items.MoveNext()) WriteItem(output, items.Current);
                            else break;
                        }
                        output.WriteByte(SetItems);
                    }
                    while (written == BatchSize);
                }
            }
        }
        output.WriteByte(Stop);
        output.Flush();
    }

    private static void WriteItem(Stream output, KeyValuePair<string, IReadOnlyList<string>> item)
    {
        WriteString(output, item.Key);
        WriteList(output, item.Value);
    }

    // _pickle's batch_list_exact: one item is APPEND without MARK; more go in batches of 1000, each MARK ... APPENDS.
    private static void WriteList(Stream output, IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        output.WriteByte(EmptyList);
        if (values.Count == 1)
        {
            WriteString(output, values[0]);
            output.WriteByte(Append);
            return;
        }
        for (int start = 0; start < values.Count; start += BatchSize)
        {
            output.WriteByte(Mark);
            for (int i = start; i < Math.Min(values.Count, start + BatchSize); i++) WriteString(output, values[i]);
            output.WriteByte(Appends);
        }
    }

    private static void WriteString(Stream output, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        Span<byte> header = stackalloc byte[5];
        header[0] = BinUnicode;
        BinaryPrimitives.WriteUInt32LittleEndian(header[1..], (uint)bytes.Length);
        output.Write(header);
        output.Write(bytes);
    }
}
