using System.Collections;
using System.Text.Json;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Weights;

/// <summary>
/// Named tensors from a weight file, listed without loading and read one at a time: safetensors (read lazily, one
/// tensor per <see cref="Get"/>) or a PyTorch <c>torch.save</c> zip pickle (.pth/.bin/.ckpt, read whole through
/// TorchSharp.PyBridge; nested dictionaries such as a Lightning checkpoint's <c>state_dict</c> are flattened with
/// '.' joined names). Also wraps an in-memory dictionary. Reusable by any importer.
/// </summary>
public sealed class NamedTensorSource : IDisposable
{
    private const long MaxHeaderBytes = 100L << 20;
    private readonly Dictionary<string, long[]> shapes;
    private readonly List<string> names;
    private readonly FileStream? safetensorsStream;
    private readonly Dictionary<string, Tensor>? tensors;
    private readonly bool ownsTensors;
    private readonly object gate = new();

    private NamedTensorSource(string description, List<string> names, Dictionary<string, long[]> shapes, FileStream? stream, Dictionary<string, Tensor>? tensors, bool ownsTensors = false)
    {
        this.ownsTensors = ownsTensors;
        Description = description;
        this.names = names;
        this.shapes = shapes;
        safetensorsStream = stream;
        this.tensors = tensors;
    }

    /// <summary>Where the tensors come from (a file path, or the name given to an in-memory source).</summary>
    public string Description { get; }

    /// <summary>All tensor names: in file order for safetensors, sorted ordinally for pickles.</summary>
    public IReadOnlyList<string> Names => names;

    /// <summary>Whether a tensor of this name exists.</summary>
    public bool Contains(string name) => shapes.ContainsKey(name);

    /// <summary>The shape of a tensor, without reading its data.</summary>
    public long[] Shape(string name) => shapes.TryGetValue(name, out var shape)
        ? (long[])shape.Clone()
        : throw new WeightLoadException($"'{Description}' has no tensor named '{name}'.");

    /// <summary>Reads a tensor (a new CPU tensor in the file's dtype, owned by the caller).</summary>
    public Tensor Get(string name)
    {
        if (!shapes.ContainsKey(name)) throw new WeightLoadException($"'{Description}' has no tensor named '{name}'.");
        if (tensors is not null) return tensors[name].detach().clone();
        lock (gate)
        {
            try
            {
                safetensorsStream!.Position = 0;
                var loaded = Safetensors.LoadStateDict(safetensorsStream, leaveOpen: true, keysToKeep: [name]);
                return loaded[name];
            }
            catch (Exception e) when (e is not WeightLoadException)
            {
                throw new WeightLoadException($"Cannot read tensor '{name}' from '{Description}': {e.Message}", e);
            }
        }
    }

    /// <summary>Opens a safetensors file or a PyTorch zip pickle, telling them apart by their first bytes.</summary>
    /// <exception cref="WeightLoadException">The file is missing, of another format, or malformed.</exception>
    public static NamedTensorSource Open(string path)
    {
        if (!File.Exists(path)) throw new WeightLoadException($"Weight file '{path}' does not exist.");
        var magic = new byte[4];
        using (var probe = File.OpenRead(path))
            if (probe.Read(magic, 0, 4) < 4) throw new WeightLoadException($"Weight file '{path}' is too short to be safetensors or a PyTorch file.");
        return magic is [0x50, 0x4B, 0x03, 0x04] ? OpenPickle(path) : OpenSafetensors(path);
    }

    /// <summary>Wraps tensors held in memory (they are cloned on <see cref="Get"/>; the caller keeps ownership).</summary>
    public static NamedTensorSource FromTensors(string description, IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        var map = new Dictionary<string, Tensor>();
        foreach (var (name, tensor) in tensors) map[name] = tensor;
        return new NamedTensorSource(description, [.. map.Keys], map.ToDictionary(kv => kv.Key, kv => kv.Value.shape), null, map);
    }

    private static NamedTensorSource OpenSafetensors(string path)
    {
        var stream = File.OpenRead(path);
        try
        {
            var (order, shapes) = ReadSafetensorsHeader(stream, path);
            return new NamedTensorSource(path, order, shapes, stream, null);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    // Validates the header before PyBridge sees it: bounded length, known dtypes, offsets inside the file and
    // sized as shape x element size, so a corrupt file fails here with a clear message.
    private static (List<string>, Dictionary<string, long[]>) ReadSafetensorsHeader(FileStream stream, string path)
    {
        var lengthBytes = new byte[8];
        stream.ReadExactly(lengthBytes);
        ulong headerLength = BitConverter.ToUInt64(lengthBytes);
        long dataLength = stream.Length - 8 - (long)Math.Min(headerLength, (ulong)stream.Length);
        if (headerLength == 0 || headerLength > MaxHeaderBytes || (long)headerLength > stream.Length - 8)
            throw new WeightLoadException($"'{path}' is neither a PyTorch zip file nor a valid safetensors file (header length {headerLength} for a {stream.Length}-byte file).");
        var header = new byte[headerLength];
        stream.ReadExactly(header);

        var order = new List<string>();
        var shapes = new Dictionary<string, long[]>();
        try
        {
            using var json = JsonDocument.Parse(header);
            foreach (var entry in json.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__") continue;
                string dtype = entry.Value.GetProperty("dtype").GetString() ?? "";
                long elementSize = dtype switch
                {
                    "F64" or "I64" => 8,
                    "F32" or "I32" => 4,
                    "F16" or "BF16" or "I16" => 2,
                    "I8" or "U8" or "BOOL" => 1,
                    _ => throw new WeightLoadException($"'{path}': tensor '{entry.Name}' has unsupported dtype '{dtype}'."),
                };
                long[] shape = [.. entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64())];
                long[] offsets = [.. entry.Value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64())];
                long count = 1;
                foreach (long d in shape)
                {
                    if (d < 0) throw new WeightLoadException($"'{path}': tensor '{entry.Name}' has a negative dimension.");
                    count = checked(count * d);
                }
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength
                    || offsets[1] - offsets[0] != checked(count * elementSize))
                    throw new WeightLoadException($"'{path}': tensor '{entry.Name}' has data offsets [{string.Join(", ", offsets)}] that do not fit its shape [{string.Join(", ", shape)}] x {elementSize} bytes within {dataLength} data bytes.");
                order.Add(entry.Name);
                shapes[entry.Name] = shape;
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or OverflowException or FormatException)
        {
            throw new WeightLoadException($"'{path}' has a malformed safetensors header: {e.Message}", e);
        }
        return (order, shapes);
    }

    private static NamedTensorSource OpenPickle(string path)
    {
        Hashtable root;
        try
        {
            using var stream = File.OpenRead(path);
            root = PyTorchUnpickler.UnpickleStateDict(stream);
        }
        catch (Exception e)
        {
            throw new WeightLoadException($"Cannot read PyTorch file '{path}': {e.Message}", e);
        }
        var map = new Dictionary<string, Tensor>();
        Flatten(root, "", map);
        if (map.Count == 0) throw new WeightLoadException($"PyTorch file '{path}' holds no tensors.");
        return new NamedTensorSource(path, [.. map.Keys.Order(StringComparer.Ordinal)], map.ToDictionary(kv => kv.Key, kv => kv.Value.shape), null, map, ownsTensors: true);
    }

    private static void Flatten(IDictionary dictionary, string prefix, Dictionary<string, Tensor> into)
    {
        foreach (DictionaryEntry entry in dictionary)
        {
            if (entry.Key is not string key) continue;
            switch (entry.Value)
            {
                case Tensor tensor: into[prefix + key] = tensor; break;
                case IDictionary nested: Flatten(nested, prefix + key + ".", into); break;
            }
        }
    }

    /// <summary>Closes the file and frees tensors read eagerly.</summary>
    public void Dispose()
    {
        safetensorsStream?.Dispose();
        // Tensors given to FromTensors stay the caller's; those read from a pickle are this source's.
        if (ownsTensors && tensors is not null)
            foreach (var t in tensors.Values) t.Dispose();
    }
}
