using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Weights;

/// <summary>
/// Reads the tensor list of a PyTorch <c>torch.save</c> zip (<c>archive/data.pkl</c> and <c>archive/data/N</c>)
/// without reading any tensor data: an iterative pickle machine that understands what state dicts are made of
/// (dicts, <c>OrderedDict</c>, <c>_rebuild_tensor_v2</c>, <c>_rebuild_parameter</c>, persistent storage ids) and
/// keeps everything else as opaque values. Every size a file declares is checked before it is used: the pickle's
/// length, each storage entry's uncompressed size against the element count the pickle gives it, each tensor's
/// extent inside its storage, the nesting depth and the number of entries walked while the dictionaries are
/// flattened. A tensor's bytes are read only when it is asked for, after the caller has compared its shape with
/// the model's.
/// </summary>
internal sealed class TorchZipPickle : IDisposable
{
    /// <summary>Largest <c>data.pkl</c> read (the pickle holds names and shapes, not tensor data).</summary>
    public const long MaxPickleBytes = 256L << 20;

    /// <summary>Deepest nesting of dictionaries flattened into names (a Lightning checkpoint needs about 3).</summary>
    public const int MaxNesting = 64;

    /// <summary>Most dictionary entries walked while flattening (a shared child is walked once per path to it).</summary>
    public const long MaxEntriesWalked = 4_000_000;

    private readonly ZipArchive _archive;
    private readonly string _path;
    private readonly object _gate = new();

    private TorchZipPickle(string path, ZipArchive archive, Dictionary<string, TensorRef> tensors)
    {
        _path = path;
        _archive = archive;
        Tensors = tensors;
    }

    /// <summary>The named tensors, flattened with '.'-joined names.</summary>
    public IReadOnlyDictionary<string, TensorRef> Tensors { get; }

    /// <summary>Opens the zip at <paramref name="path"/> and reads its pickle.</summary>
    /// <exception cref="WeightLoadException">The file is not a readable PyTorch zip, or a declared size does not hold.</exception>
    public static TorchZipPickle Open(string path)
    {
        var stream = File.OpenRead(path);
        ZipArchive? archive = null;
        bool handedOver = false;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read);
            var pickles = archive.Entries.Where(e => e.FullName == "data.pkl" || e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)).ToList();
            if (pickles.Count != 1)
                throw new WeightLoadException($"'{path}' is a zip file but not a PyTorch checkpoint: it has {pickles.Count} data.pkl entries, not one.");
            var pickle = pickles[0];
            string prefix = pickle.FullName[..^"data.pkl".Length];
            var byteOrder = archive.GetEntry(prefix + "byteorder");
            if (byteOrder is not null && byteOrder.Length < 16)
            {
                using var reader = new StreamReader(byteOrder.Open(), Encoding.ASCII);
                if (reader.ReadToEnd().Trim() is "big") throw new WeightLoadException($"'{path}' was saved on a big-endian machine, which is not read.");
            }
            if (pickle.Length > MaxPickleBytes)
                throw new WeightLoadException($"'{path}': data.pkl declares {pickle.Length:N0} bytes, more than the {MaxPickleBytes:N0} a checkpoint's pickle may have.");
            var bytes = new byte[pickle.Length];
            using (var entry = pickle.Open())
                if (entry.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) < bytes.Length)
                    throw new WeightLoadException($"'{path}': data.pkl is shorter than the {bytes.Length} bytes its zip entry declares.");
            object? root = new PickleMachine(path, bytes).Run();
            if (root is not PyDict dictionary) throw new WeightLoadException($"'{path}': the pickle holds a {Describe(root)}, not a dictionary of tensors.");
            var tensors = Flatten(path, dictionary);
            foreach (var (name, tensor) in tensors) Check(path, archive, prefix, name, tensor);
            handedOver = true;
            return new TorchZipPickle(path, archive, tensors);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            throw new WeightLoadException($"Cannot read PyTorch file '{path}': {e.Message}", e);
        }
        finally
        {
            if (!handedOver)
            {
                archive?.Dispose();
                stream.Dispose();
            }
        }

        static string Describe(object? value) => value?.GetType().Name ?? "None";
    }

    /// <summary>Reads one tensor: its storage (exactly the size checked at open), viewed with its offset, shape and strides.</summary>
    public Tensor Read(string name)
    {
        var tensor = Tensors[name];
        var storage = tensor.Storage;
        lock (_gate)
        {
            var entry = _archive.GetEntry(storage.EntryName)!;
            var bytes = new byte[storage.Bytes];
            try
            {
                using var input = entry.Open();
                if (input.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) < bytes.Length)
                    throw new WeightLoadException($"'{_path}': storage '{storage.Key}' of tensor '{name}' is shorter than the {storage.Bytes} bytes it declares.");
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                throw new WeightLoadException($"'{_path}': storage '{storage.Key}' of tensor '{name}' cannot be read: {e.Message}", e);
            }
            using var scope = NewDisposeScope();
            var flat = empty(storage.Count, storage.DType);
            flat.bytes = bytes;
            return flat.as_strided(tensor.Shape, tensor.Stride, tensor.Offset).clone().MoveToOuterDisposeScope();
        }
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _archive.Dispose();

    // The storage entry must exist with exactly the bytes the pickle gives it, and the view must lie inside it.
    private static void Check(string path, ZipArchive archive, string prefix, string name, TensorRef tensor)
    {
        var storage = tensor.Storage;
        storage.EntryName = prefix + "data/" + storage.Key;
        var entry = archive.GetEntry(storage.EntryName)
                    ?? throw new WeightLoadException($"'{path}': tensor '{name}' points to storage '{storage.Key}', which the zip does not hold.");
        if (entry.Length != storage.Bytes)
            throw new WeightLoadException($"'{path}': storage '{storage.Key}' of tensor '{name}' declares {entry.Length:N0} bytes in the zip but {storage.Count:N0} x {storage.ElementSize} = {storage.Bytes:N0} in the pickle.");
        if (tensor.Shape.Length != tensor.Stride.Length || tensor.Offset < 0 || tensor.Shape.Any(d => d < 0) || tensor.Stride.Any(s => s < 0))
            throw new WeightLoadException($"'{path}': tensor '{name}' has shape [{string.Join(", ", tensor.Shape)}], strides [{string.Join(", ", tensor.Stride)}] and offset {tensor.Offset}, which do not describe a view.");
        try
        {
            long last = tensor.Offset;
            bool empty = false;
            for (int i = 0; i < tensor.Shape.Length; i++)
            {
                if (tensor.Shape[i] == 0) empty = true;
                else last = checked(last + (tensor.Shape[i] - 1) * tensor.Stride[i]);
            }
            if (!empty && last >= storage.Count)
                throw new WeightLoadException($"'{path}': tensor '{name}' of shape [{string.Join(", ", tensor.Shape)}] reaches element {last:N0} of storage '{storage.Key}', which has {storage.Count:N0}.");
        }
        catch (OverflowException e)
        {
            throw new WeightLoadException($"'{path}': tensor '{name}' has a shape whose extent overflows.", e);
        }
    }

    // Iterative, with a bound on depth and on entries walked: a pickle can nest dictionaries as deep as it is long,
    // and the memo lets one child appear under many keys (2^n paths through n small dictionaries).
    private static Dictionary<string, TensorRef> Flatten(string path, PyDict root)
    {
        var result = new Dictionary<string, TensorRef>(StringComparer.Ordinal);
        var pending = new Stack<(string Prefix, PyDict Dictionary, int Depth)>();
        pending.Push(("", root, 1));
        long walked = 0;
        while (pending.Count > 0)
        {
            var (prefix, dictionary, depth) = pending.Pop();
            if (depth > MaxNesting)
                throw new WeightLoadException($"'{path}': dictionaries nest deeper than {MaxNesting} levels (at '{prefix.TrimEnd('.')}').");
            foreach (var (key, value) in dictionary.Items)
            {
                if (++walked > MaxEntriesWalked)
                    throw new WeightLoadException($"'{path}': flattening the checkpoint's dictionaries walks more than {MaxEntriesWalked:N0} entries (a dictionary shared under many keys?).");
                switch (value)
                {
                    case TensorRef tensor: result[prefix + key] = tensor; break;
                    case PyDict nested: pending.Push((prefix + key + ".", nested, depth + 1)); break;
                }
            }
        }
        return result;
    }

    /// <summary>A storage the pickle refers to by persistent id: entry <c>data/Key</c> of Count elements.</summary>
    internal sealed class StorageRef(string key, ScalarType dtype, int elementSize, long count)
    {
        public string Key { get; } = key;
        public ScalarType DType { get; } = dtype;
        public int ElementSize { get; } = elementSize;
        public long Count { get; } = count;
        public long Bytes => checked(Count * ElementSize);
        public string EntryName { get; set; } = "";
    }

    /// <summary>A tensor view: storage, element offset, shape and strides.</summary>
    internal sealed record TensorRef(StorageRef Storage, long Offset, long[] Shape, long[] Stride);

    private sealed class PyDict
    {
        public Dictionary<string, object?> Items { get; } = new(StringComparer.Ordinal);
    }

    private sealed record PyGlobal(string Module, string Name);

    private sealed class Opaque;

    private sealed class Mark;

    /// <summary>The pickle virtual machine: protocols 2-5, the opcodes torch.save and Lightning write; no recursion.</summary>
    private sealed class PickleMachine(string path, byte[] code)
    {
        private readonly List<object?> _stack = [];
        private readonly List<int> _marks = [];
        private readonly Dictionary<long, object?> _memo = [];
        private int _position;

        public object? Run()
        {
            try
            {
                return Execute();
            }
            catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException or InvalidCastException or OverflowException or KeyNotFoundException)
            {
                throw new WeightLoadException($"'{path}': data.pkl is malformed near byte {_position}: {e.Message}", e);
            }
        }

        private object? Execute()
        {
            while (true)
            {
                if (_position >= code.Length) throw Bad("the pickle ends without STOP");
                byte op = code[_position++];
                switch (op)
                {
                    case 0x80: Take(1); break;                                   // PROTO
                    case 0x95: Take(8); break;                                   // FRAME
                    case (byte)'.': return Pop();                                // STOP
                    case (byte)'(': _marks.Add(_stack.Count); break;             // MARK
                    case (byte)'}': Push(new PyDict()); break;                   // EMPTY_DICT
                    case (byte)']': Push(new List<object?>()); break;            // EMPTY_LIST
                    case (byte)')': Push(Array.Empty<object?>()); break;         // EMPTY_TUPLE
                    case 0x8f: Push(new Opaque()); break;                        // EMPTY_SET
                    case (byte)'N': Push(null); break;
                    case 0x88: Push(true); break;
                    case 0x89: Push(false); break;
                    case (byte)'K': Push((long)Take(1)[0]); break;
                    case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
                    case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;
                    case 0x8a: Push(Long(Take(Take(1)[0]))); break;              // LONG1
                    case 0x8b: Push(Long(Take(Length(4)))); break;               // LONG4
                    case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;
                    case (byte)'X': Push(Encoding.UTF8.GetString(Take(Length(4)))); break;   // BINUNICODE
                    case 0x8c: Push(Encoding.UTF8.GetString(Take(Take(1)[0]))); break;       // SHORT_BINUNICODE
                    case 0x8d: Push(Encoding.UTF8.GetString(Take(Length(8)))); break;        // BINUNICODE8
                    case (byte)'T': Push(Encoding.Latin1.GetString(Take(Length(4)))); break; // BINSTRING
                    case (byte)'U': Push(Encoding.Latin1.GetString(Take(Take(1)[0]))); break; // SHORT_BINSTRING
                    case (byte)'B': Take(Length(4)); Push(new Opaque()); break;  // BINBYTES
                    case (byte)'C': Take(Take(1)[0]); Push(new Opaque()); break; // SHORT_BINBYTES
                    case 0x8e: Take(Length(8)); Push(new Opaque()); break;       // BINBYTES8
                    case (byte)'q': _memo[Take(1)[0]] = Peek(); break;           // BINPUT
                    case (byte)'r': _memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Peek(); break;
                    case 0x94: _memo[_memo.Count] = Peek(); break;               // MEMOIZE
                    case (byte)'h': Push(Memo(Take(1)[0])); break;               // BINGET
                    case (byte)'j': Push(Memo(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break;
                    case (byte)'c': Push(new PyGlobal(Line(), Line())); break;   // GLOBAL
                    case 0x93:                                                   // STACK_GLOBAL
                    {
                        string name = (string)Pop()!, module = (string)Pop()!;
                        Push(new PyGlobal(module, name));
                        break;
                    }
                    case (byte)'0': Pop(); break;                                // POP
                    case (byte)'1': PopMark(); break;                            // POP_MARK
                    case (byte)'2': Push(Peek()); break;                         // DUP
                    case (byte)'t': Push(PopMark().ToArray()); break;            // TUPLE
                    case 0x85: Push(new[] { Pop() }); break;                     // TUPLE1
                    case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; }
                    case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; }
                    case (byte)'l': Push(PopMark()); break;                      // LIST
                    case (byte)'d': { var items = PopMark(); var d = new PyDict(); SetItems(d, items); Push(d); break; }
                    case (byte)'a': { var v = Pop(); (Peek() as List<object?>)?.Add(v); break; }
                    case (byte)'e': { var items = PopMark(); (Peek() as List<object?>)?.AddRange(items); break; }
                    case (byte)'s': { var v = Pop(); var k = Pop(); SetItems(Peek(), [k, v]); break; }
                    case (byte)'u': { var items = PopMark(); SetItems(Peek(), items); break; }
                    case 0x90: PopMark(); break;                                 // ADDITEMS (sets are opaque)
                    case 0x91: PopMark(); Push(new Opaque()); break;             // FROZENSET
                    case (byte)'R': { var args = Pop(); var callable = Pop(); Push(Reduce(callable, args)); break; }
                    case 0x81: { var args = Pop(); var cls = Pop(); Push(Reduce(cls, args)); break; }   // NEWOBJ
                    case 0x92: { Pop(); var args = Pop(); var cls = Pop(); Push(Reduce(cls, args)); break; } // NEWOBJ_EX
                    case (byte)'b': Pop(); break;                                // BUILD: state is not needed
                    case (byte)'Q': Push(Storage(Pop())); break;                 // BINPERSID
                    default: throw Bad($"opcode 0x{op:X2} is not one a PyTorch checkpoint uses");
                }
            }
        }

        private WeightLoadException Bad(string problem) => new($"'{path}': data.pkl cannot be read near byte {_position}: {problem}.");

        private ReadOnlySpan<byte> Take(long count)
        {
            if (count < 0 || count > code.Length - _position) throw Bad($"a value of {count} bytes runs past the end of the pickle");
            var span = code.AsSpan(_position, (int)count);
            _position += (int)count;
            return span;
        }

        private long Length(int width) => width == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(Take(4)) : BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        private string Line()
        {
            int end = Array.IndexOf(code, (byte)'\n', _position);
            if (end < 0) throw Bad("a GLOBAL name has no end of line");
            string text = Encoding.ASCII.GetString(code, _position, end - _position);
            _position = end + 1;
            return text;
        }

        private static object Long(ReadOnlySpan<byte> bytes)
        {
            if (bytes.Length > 8) return new Opaque();
            long value = 0;
            for (int i = bytes.Length - 1; i >= 0; i--) value = (value << 8) | bytes[i];
            if (bytes.Length is > 0 and < 8 && (bytes[^1] & 0x80) != 0) value -= 1L << (8 * bytes.Length);
            return value;
        }

        private void Push(object? value) => _stack.Add(value);

        private object? Peek() => _stack.Count > (_marks.Count > 0 ? _marks[^1] : 0) ? _stack[^1] : throw Bad("the stack is empty");

        private object? Pop()
        {
            var value = Peek();
            _stack.RemoveAt(_stack.Count - 1);
            return value;
        }

        private List<object?> PopMark()
        {
            if (_marks.Count == 0) throw Bad("no MARK to pop to");
            int mark = _marks[^1];
            _marks.RemoveAt(_marks.Count - 1);
            var items = _stack.GetRange(mark, _stack.Count - mark);
            _stack.RemoveRange(mark, _stack.Count - mark);
            return items;
        }

        private object? Memo(long key) => _memo.TryGetValue(key, out var value) ? value : throw Bad($"memo key {key} was never stored");

        private void SetItems(object? target, List<object?> items)
        {
            if (items.Count % 2 != 0) throw Bad("SETITEMS has an odd number of items");
            if (target is not PyDict dictionary) return; // items set on an opaque object are not needed
            for (int i = 0; i < items.Count; i += 2)
                if (items[i] is string key) dictionary.Items[key] = items[i + 1];
        }

        private object Reduce(object? callable, object? args)
        {
            if (callable is not PyGlobal global) return new Opaque();
            var a = args as object?[] ?? [];
            switch (global.Module, global.Name)
            {
                case ("collections", "OrderedDict"):
                case ("builtins" or "__builtin__", "dict"):
                    return new PyDict();
                case ("torch._utils", "_rebuild_tensor" or "_rebuild_tensor_v2"):
                    if (a.Length < 4 || a[0] is not StorageRef storage || a[1] is not long offset || a[2] is not object?[] size || a[3] is not object?[] stride)
                        throw Bad($"{global.Name} has arguments this reader does not know");
                    return new TensorRef(storage, offset, Longs(size), Longs(stride));
                case ("torch._utils", "_rebuild_parameter" or "_rebuild_parameter_with_state"):
                    return a.Length > 0 && a[0] is TensorRef data ? data : throw Bad($"{global.Name} does not wrap a tensor");
                default:
                    return new Opaque();
            }
        }

        private long[] Longs(object?[] values) => [.. values.Select(v => v is long l ? l : throw Bad("a tensor size or stride is not an integer"))];

        private StorageRef Storage(object? id)
        {
            if (id is not object?[] { Length: >= 5 } parts || parts[0] is not "storage" || parts[1] is not PyGlobal type || parts[2] is not string key || parts[4] is not long count || count < 0)
                throw Bad("a persistent id is not ('storage', type, key, location, size)");
            if (key.Length == 0 || key.Contains('/') || key.Contains('\\') || key.Contains(".."))
                throw Bad($"storage key '{key}' is not a plain name");
            (ScalarType dtype, int size) = type.Name switch
            {
                "DoubleStorage" => (ScalarType.Float64, 8),
                "FloatStorage" => (ScalarType.Float32, 4),
                "HalfStorage" => (ScalarType.Float16, 2),
                "BFloat16Storage" => (ScalarType.BFloat16, 2),
                "LongStorage" => (ScalarType.Int64, 8),
                "IntStorage" => (ScalarType.Int32, 4),
                "ShortStorage" => (ScalarType.Int16, 2),
                "CharStorage" => (ScalarType.Int8, 1),
                "ByteStorage" or "UntypedStorage" => (ScalarType.Byte, 1),
                "BoolStorage" => (ScalarType.Bool, 1),
                _ => throw Bad($"storage type {type.Module}.{type.Name} is not read"),
            };
            if (count > long.MaxValue / size) throw Bad($"storage '{key}' declares {count} elements");
            return new StorageRef(key, dtype, size, count);
        }
    }
}
