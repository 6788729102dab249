using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace MaMA.MLNet.Onnx.Graph;

/// <summary>
/// Builds one ONNX graph: typed inputs and outputs (with symbolic axes such as the batch), constant
/// initializers from float and integer arrays, and nodes with unique names. The per-operator helpers live in
/// <c>OnnxGraphBuilder.Operators.cs</c>; <see cref="Build"/> wraps the graph into a model for opset
/// <see cref="Opset"/>.
/// </summary>
/// <remarks>
/// Opset 17 is the lowest with <c>LayerNormalization</c>; it is supported by every ONNX Runtime since 1.12
/// and by most other runtimes. GELU is therefore written out from <c>Erf</c> or <c>Tanh</c> (the <c>Gelu</c>
/// operator only arrived in opset 20); ONNX Runtime fuses the pattern back into one kernel when it optimises.
/// </remarks>
public sealed partial class OnnxGraphBuilder
{
    /// <summary>The default-domain operator set the graphs are written for.</summary>
    public const int Opset = 17;

    /// <summary>ONNX IR version 8, the one that goes with opset 17.</summary>
    public const long IrVersion = 8;

    private readonly GraphProto _graph;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _int64ConstantCache = new(StringComparer.Ordinal);
    private readonly Dictionary<float, string> _floatScalarCache = [];
    private int _nodeCounter;

    /// <summary>Starts an empty graph called <paramref name="graphName"/>.</summary>
    public OnnxGraphBuilder(string graphName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(graphName);
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("ONNX raw tensor data is little-endian; this exporter runs on little-endian machines only.");
        _graph = new GraphProto { Name = graphName };
    }

    /// <summary>The number of nodes added so far.</summary>
    public int NodeCount => _graph.Node.Count;

    /// <summary>The number of initializers added so far.</summary>
    public int InitializerCount => _graph.Initializer.Count;

    /// <summary>Declares a graph input and returns its name.</summary>
    /// <exception cref="OnnxExportException">The name is already taken.</exception>
    public string AddInput(string name, TensorProto.Types.DataType elementType, params OnnxDimension[] shape)
    {
        Reserve(name);
        _graph.Input.Add(ValueInfo(name, elementType, shape));
        return name;
    }

    /// <summary>
    /// Declares a graph output called <paramref name="name"/> that carries the value <paramref name="value"/>
    /// (through an <c>Identity</c> node, so internal value names never leak into the interface).
    /// </summary>
    public void AddOutput(string value, string name, TensorProto.Types.DataType elementType, params OnnxDimension[] shape)
    {
        Reserve(name);
        _graph.Node.Add(MakeNode("Identity", [value], [name], []));
        _graph.Output.Add(ValueInfo(name, elementType, shape));
    }

    /// <summary>Adds a float constant of the given shape and returns its (unique) name.</summary>
    /// <exception cref="OnnxExportException">The data length does not match the shape.</exception>
    public string AddInitializer(string nameHint, ReadOnlySpan<float> data, params long[] dims)
    {
        var tensor = NewTensor(nameHint, TensorProto.Types.DataType.Float, data.Length, dims);
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data));
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>Adds an int64 constant of the given shape and returns its (unique) name.</summary>
    public string AddInitializer(string nameHint, ReadOnlySpan<long> data, params long[] dims)
    {
        var tensor = NewTensor(nameHint, TensorProto.Types.DataType.Int64, data.Length, dims);
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data));
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>Adds a boolean constant of the given shape and returns its (unique) name.</summary>
    public string AddInitializer(string nameHint, ReadOnlySpan<bool> data, params long[] dims)
    {
        var tensor = NewTensor(nameHint, TensorProto.Types.DataType.Bool, data.Length, dims);
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data));
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>A float scalar constant (shape []); equal scalars are shared.</summary>
    public string Scalar(string nameHint, float value)
    {
        if (_floatScalarCache.TryGetValue(value, out string? name)) return name;
        name = AddInitializer(nameHint, [value]);
        _floatScalarCache[value] = name;
        return name;
    }

    /// <summary>A 1-D int64 constant such as a shape, axes or indices; equal constants are shared.</summary>
    public string Int64s(params long[] values)
    {
        string key = string.Join(",", values);
        if (_int64ConstantCache.TryGetValue(key, out string? name)) return name;
        name = AddInitializer("const_i64", values, values.Length);
        _int64ConstantCache[key] = name;
        return name;
    }

    /// <summary>An int64 scalar constant (shape []), for example a <c>Gather</c> index that drops an axis.</summary>
    public string Int64Scalar(long value)
    {
        string key = "scalar:" + value;
        if (_int64ConstantCache.TryGetValue(key, out string? name)) return name;
        name = AddInitializer("const_i64_scalar", [value]);
        _int64ConstantCache[key] = name;
        return name;
    }

    /// <summary>
    /// Adds a node of operator <paramref name="opType"/> with <paramref name="outputCount"/> fresh outputs and
    /// returns their names. Output names start with <paramref name="nameHint"/> (made unique).
    /// </summary>
    public string[] AddNode(string opType, string nameHint, IReadOnlyList<string> inputs, int outputCount, params AttributeProto[] attributes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(outputCount, 1);
        var outputs = new string[outputCount];
        for (int i = 0; i < outputCount; i++) outputs[i] = UniqueName(outputCount == 1 ? nameHint : $"{nameHint}_{i}");
        _graph.Node.Add(MakeNode(opType, inputs, outputs, attributes));
        return outputs;
    }

    /// <summary>Adds a node with one output and returns its name.</summary>
    public string AddNode(string opType, string nameHint, IReadOnlyList<string> inputs, params AttributeProto[] attributes) =>
        AddNode(opType, nameHint, inputs, 1, attributes)[0];

    /// <summary>Wraps the graph into a model with the given metadata properties.</summary>
    /// <param name="metadata">Key-value pairs stored as the model's <c>metadata_props</c>.</param>
    /// <param name="producerVersion">The producer version recorded in the model.</param>
    /// <param name="docString">A human description of the model.</param>
    public ModelProto Build(IEnumerable<KeyValuePair<string, string>> metadata, string producerVersion, string docString)
    {
        if (_graph.Output.Count == 0) throw new OnnxExportException($"Graph '{_graph.Name}' has no outputs.");
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "MaMA.MLNet.Onnx",
            ProducerVersion = producerVersion,
            Domain = "mama.mlnet",
            ModelVersion = 1,
            DocString = docString,
            Graph = _graph.Clone(),
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in metadata)
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    private TensorProto NewTensor(string nameHint, TensorProto.Types.DataType type, int length, long[] dims)
    {
        long count = 1;
        foreach (long d in dims)
        {
            if (d < 0) throw new OnnxExportException($"Initializer '{nameHint}': dimension {d} is negative.");
            count *= d;
        }
        if (count != length)
            throw new OnnxExportException($"Initializer '{nameHint}': {length} values do not fill shape [{string.Join(",", dims)}].");
        var tensor = new TensorProto { Name = UniqueName(nameHint), DataType = (int)type };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private NodeProto MakeNode(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{_nodeCounter++}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType elementType, OnnxDimension[] shape)
    {
        var tensorShape = new TensorShapeProto();
        foreach (var d in shape)
            tensorShape.Dim.Add(d.Symbol is { } symbol
                ? new TensorShapeProto.Types.Dimension { DimParam = symbol }
                : new TensorShapeProto.Types.Dimension { DimValue = d.Size!.Value });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)elementType, Shape = tensorShape } },
        };
    }

    private void Reserve(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!_names.Add(name)) throw new OnnxExportException($"Graph '{_graph.Name}': the name '{name}' is already used.");
    }

    private string UniqueName(string hint)
    {
        if (_names.Add(hint)) return hint;
        for (int i = 1; ; i++)
        {
            string candidate = $"{hint}_{i}";
            if (_names.Add(candidate)) return candidate;
        }
    }
}
