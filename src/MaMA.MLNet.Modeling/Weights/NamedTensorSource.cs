using System.Text.Json;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Weights;

/// <summary>
/// Named tensors from a weight file, listed without loading and read one at a time: safetensors or a PyTorch
/// <c>torch.save</c> zip pickle (.pth/.bin/.ckpt; nested dictionaries such as a Lightning checkpoint's
/// <c>state_dict</c> are flattened with '.' joined names). Both are read lazily, one tensor per <see cref="Get"/>,
/// so a loader compares <see cref="Shape"/> with its model before any tensor data is read. A file is read as the
/// format its name and its first bytes agree on. Also wraps an in-memory dictionary. Reusable by any importer.
/// </summary>
public sealed class NamedTensorSource : IDisposable
{
    private const long MaxHeaderBytes = 100L << 20;
    private readonly Dictionary<string, long[]> shapes;
    private readonly List<string> names;
    private readonly FileStream? safetensorsStream;
    private readonly TorchZipPickle? pickle;
    private readonly Dictionary<string, Tensor>? tensors;
    private readonly bool ownsTensors;
    private readonly object gate = new();

    private NamedTensorSource(string description, List<string> names, Dictionary<string, long[]> shapes, FileStream? stream, Dictionary<string, Tensor>? tensors,
                              bool ownsTensors = false, TorchZipPickle? pickle = null)
    {
        this.pickle = pickle;
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
        if (pickle is not null) return pickle.Read(name);
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

    /// <summary>
    /// Opens a safetensors file or a PyTorch zip pickle. The first bytes say which (a zip starts "PK\x03\x04", a
    /// safetensors file has its JSON header's '{' at byte 8); a name that says otherwise (<c>.safetensors</c>, or
    /// <c>.pth</c>/<c>.pt</c>/<c>.bin</c>/<c>.ckpt</c>) is an error rather than a guess.
    /// </summary>
    /// <exception cref="WeightLoadException">The file is missing, of another format, or malformed.</exception>
    public static NamedTensorSource Open(string path)
    {
        if (!File.Exists(path)) throw new WeightLoadException($"Weight file '{path}' does not exist.");
        var head = new byte[9];
        int read;
        using (var probe = File.OpenRead(path)) read = probe.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (read < 4) throw new WeightLoadException($"Weight file '{path}' is too short to be safetensors or a PyTorch file.");
        bool zip = head is [0x50, 0x4B, 0x03, 0x04, ..];
        bool safetensors = read == 9 && head[8] == (byte)'{';
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension == ".safetensors" && !safetensors)
            throw new WeightLoadException($"'{path}' is named .safetensors but is {(zip ? "a zip file (a PyTorch checkpoint?)" : "not a safetensors file (no JSON header at byte 8)")}; rename it to what it is.");
        if (extension is ".pth" or ".pt" or ".bin" or ".ckpt" && !zip)
            throw new WeightLoadException($"'{path}' is named {extension} but is not a PyTorch zip file{(safetensors ? " (it looks like safetensors)" : " (files from torch before 1.6 are not read)")}; rename or re-save it.");
        if (zip) return OpenPickle(path);
        if (safetensors) return OpenSafetensors(path);
        throw new WeightLoadException($"'{path}' is neither a PyTorch zip file nor a safetensors file (first bytes {Convert.ToHexString(head, 0, read)}).");
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

    // Names, shapes and storage sizes come from the pickle and the zip's directory; no tensor data is read here.
    private static NamedTensorSource OpenPickle(string path)
    {
        var pickle = TorchZipPickle.Open(path);
        try
        {
            if (pickle.Tensors.Count == 0) throw new WeightLoadException($"PyTorch file '{path}' holds no tensors.");
            return new NamedTensorSource(path, [.. pickle.Tensors.Keys.Order(StringComparer.Ordinal)], pickle.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value.Shape),
                null, null, pickle: pickle);
        }
        catch
        {
            pickle.Dispose();
            throw;
        }
    }

    /// <summary>Closes the file and frees tensors read eagerly.</summary>
    public void Dispose()
    {
        safetensorsStream?.Dispose();
        pickle?.Dispose();
        // Tensors given to FromTensors stay the caller's; those read from a pickle are this source's.
        if (ownsTensors && tensors is not null)
            foreach (var t in tensors.Values) t.Dispose();
    }
}
