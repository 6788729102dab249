using System.IO.Compression;
using System.Text;

namespace MaMA.MLNet.Modeling.Tests.Weights.Hostile;

/// <summary>
/// Writes pickle opcodes by hand (protocol 2, as torch.save does) and wraps them in a torch.save zip: the way
/// the hostile model files of the fuzz corpus are made, independent of the reader under test.
/// </summary>
internal sealed class PickleBytes
{
    private readonly MemoryStream _bytes = new();

    public PickleBytes() => Op(0x80, 2);

    public PickleBytes Op(params byte[] bytes)
    {
        _bytes.Write(bytes);
        return this;
    }

    public PickleBytes EmptyDict() => Op((byte)'}');
    public PickleBytes Mark() => Op((byte)'(');
    public PickleBytes SetItem() => Op((byte)'s');
    public PickleBytes SetItems() => Op((byte)'u');
    public PickleBytes Tuple() => Op((byte)'t');
    public PickleBytes Reduce() => Op((byte)'R');
    public PickleBytes PersistentId() => Op((byte)'Q');
    public PickleBytes Stop() => Op((byte)'.');
    public PickleBytes False() => Op(0x89);
    public PickleBytes Put(uint key) => Op((byte)'r').Op(BitConverter.GetBytes(key));
    public PickleBytes Get(uint key) => Op((byte)'j').Op(BitConverter.GetBytes(key));
    public PickleBytes Int(int value) => Op((byte)'J').Op(BitConverter.GetBytes(value));

    public PickleBytes String(string text)
    {
        var utf8 = Encoding.UTF8.GetBytes(text);
        return Op((byte)'X').Op(BitConverter.GetBytes(utf8.Length)).Op(utf8);
    }

    public PickleBytes Global(string module, string name) => Op((byte)'c').Op(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));

    public PickleBytes Ints(params int[] values)
    {
        Mark();
        foreach (int v in values) Int(v);
        return Tuple();
    }

    /// <summary>A float tensor: _rebuild_tensor_v2(storage(key, count), offset, shape, stride, False, OrderedDict()).</summary>
    public PickleBytes FloatTensor(string key, int count, int offset, int[] shape, int[] stride)
    {
        Global("torch._utils", "_rebuild_tensor_v2").Mark();
        Mark().String("storage").Global("torch", "FloatStorage").String(key).String("cpu").Int(count).Tuple().PersistentId();
        Int(offset).Ints(shape).Ints(stride).False();
        Global("collections", "OrderedDict").Op((byte)')').Reduce();
        return Tuple().Reduce();
    }

    public byte[] ToArray() => _bytes.ToArray();

    /// <summary>A torch.save zip: archive/data.pkl, archive/byteorder and the given storages (each written by a callback).</summary>
    public static void WriteZip(string path, byte[] pickle, params (string Key, Action<Stream> Write, CompressionLevel Level)[] storages)
    {
        File.Delete(path);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        using (var entry = zip.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open()) entry.Write(pickle);
        using (var entry = zip.CreateEntry("archive/byteorder", CompressionLevel.NoCompression).Open()) entry.Write("little"u8);
        foreach (var (key, write, level) in storages)
            using (var entry = zip.CreateEntry("archive/data/" + key, level).Open()) write(entry);
    }

    /// <summary>Makes the first byte of an entry's deflated data a reserved block type (3), which no inflater accepts.</summary>
    public static void DamageEntryData(string path, string entryName)
    {
        var bytes = File.ReadAllBytes(path);
        var name = Encoding.ASCII.GetBytes(entryName);
        int at = bytes.AsSpan().IndexOf(name); // the local header's copy comes first
        int header = at - 30;
        int extra = BitConverter.ToUInt16(bytes, header + 28);
        bytes[at + name.Length + extra] = 0xFF;
        File.WriteAllBytes(path, bytes);
    }

    public static Action<Stream> Floats(params float[] values) => stream =>
    {
        foreach (float v in values) stream.Write(BitConverter.GetBytes(v));
    };

    public static Action<Stream> Zeros(long count) => stream =>
    {
        var zeros = new byte[1 << 20];
        for (long left = count; left > 0; left -= zeros.Length) stream.Write(zeros, 0, (int)Math.Min(left, zeros.Length));
    };
}
