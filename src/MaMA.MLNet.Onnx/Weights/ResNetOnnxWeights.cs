using System.Runtime.InteropServices;
using Google.Protobuf;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Vision;
using MaMA.MLNet.Modeling.Weights;
using Onnx;
using static TorchSharp.torch;

namespace MaMA.MLNet.Onnx.Weights;

/// <summary>
/// Reads the weights of an ONNX ResNet with basic blocks (ML.NET's <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c>
/// ships one, converted from CNTK) into a <see cref="ResNet"/>. The ONNX initializers have CNTK's names
/// (<c>Parameter91</c>), so the mapping follows the graph: every Conv is followed by the BatchNormalization that
/// reads its output; the pairs come in network order, the first is the stem, then two per block, plus the 1 x 1
/// shortcut of each block that changes stride or width. Shapes are checked against the module's parameters.
/// </summary>
public static class ResNetOnnxWeights
{
    /// <summary>Where the featurizer package's build step copies its ResNet18 next to the application (and our tool copies it too).</summary>
    public static readonly string PackagedResNet18RelativePath = Path.Combine("DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

    /// <summary>
    /// Whether <paramref name="config"/>'s image encoder has the shape of ML.NET's ImageNet ResNet18 (at any image size),
    /// so its weights can start from the packaged file.
    /// </summary>
    public static bool FitsPackagedResNet18(MaMAConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.ImageEncoder == ImageEncoderKind.ResNet && config.ResNet is { } r && r with { ImageSize = ResNetConfig.ResNet18ImageNet.ImageSize } == ResNetConfig.ResNet18ImageNet;
    }

    /// <summary>
    /// The packaged ResNet18 ONNX file under <paramref name="baseDirectory"/> (default: the application's directory),
    /// or null when it is not there. Applications get it by referencing <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c>.
    /// </summary>
    public static string? FindPackagedResNet18(string? baseDirectory = null)
    {
        string path = Path.Combine(baseDirectory ?? AppContext.BaseDirectory, PackagedResNet18RelativePath);
        return File.Exists(path) ? path : null;
    }

    /// <summary>
    /// The weights of the ONNX ResNet at <paramref name="path"/> under torchvision's state-dict names
    /// (<c>conv1.weight</c>, <c>bn1.running_mean</c>, <c>layer2.0.downsample.0.weight</c>, ...) as float32 CPU tensors
    /// owned by the caller, checked against a network built from <paramref name="config"/>.
    /// </summary>
    /// <exception cref="WeightLoadException">The file is missing, not ONNX, or not a ResNet of that shape; the message names the file.</exception>
    public static Dictionary<string, Tensor> Read(string path, ResNetConfig config)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(config);
        var graph = ParseGraph(path);
        var pairs = ConvNormPairs(graph, path);
        var names = TorchvisionNames(config);
        if (pairs.Count != names.Count)
            throw new WeightLoadException($"'{path}' has {pairs.Count} convolutions with batch norms; a ResNet with stages {config.Stages} has {names.Count}.");

        var initializers = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        foreach (var t in graph.Initializer) initializers[t.Name] = t;
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            for (int i = 0; i < pairs.Count; i++)
            {
                var (conv, norm) = pairs[i];
                var (convName, normName, kernel) = names[i];
                CheckKernel(conv, kernel, path);
                if (conv.Input.Count > 2) throw new WeightLoadException($"'{path}': convolution '{conv.Name}' has a bias; a ResNet's convolutions have none.");
                double eps = norm.Attribute.FirstOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5;
                if (Math.Abs(eps - config.BatchNormEps) > 1e-3 * config.BatchNormEps)
                    throw new WeightLoadException($"'{path}': batch norm '{norm.Name}' has epsilon {eps}, the config {config.BatchNormEps}.");
                result[convName + ".weight"] = ToTensor(Initializer(initializers, conv.Input[1], path), path);
                string[] parts = ["weight", "bias", "running_mean", "running_var"];
                for (int k = 0; k < 4; k++)
                    result[$"{normName}.{parts[k]}"] = ToTensor(Initializer(initializers, norm.Input[k + 1], path), path);
            }
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>
    /// Copies the ONNX ResNet at <paramref name="path"/> into <paramref name="network"/> (every parameter and
    /// buffer; shapes checked).
    /// </summary>
    /// <exception cref="WeightLoadException">The file cannot be read or does not fit the network.</exception>
    public static void LoadInto(ResNet network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        var weights = Read(path, network.Config);
        try
        {
            using var noGrad = no_grad();
            var state = network.state_dict();
            var missing = state.Keys.Where(k => !weights.ContainsKey(k)).ToList();
            if (missing.Count > 0)
                throw new WeightLoadException($"'{path}' does not provide {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? ", ..." : "")} of the ResNet.");
            foreach (var (name, target) in state)
            {
                var source = weights[name];
                if (!source.shape.SequenceEqual(target.shape))
                    throw new WeightLoadException(
                        $"'{path}': {name} is [{string.Join(", ", source.shape)}] in the file, [{string.Join(", ", target.shape)}] in the ResNet.");
                target.copy_(source);
            }
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }

    /// <summary>Copies the ONNX ResNet at <paramref name="path"/> into the image encoder of <paramref name="model"/>.</summary>
    /// <exception cref="ArgumentException">The model's image encoder is not a ResNet.</exception>
    /// <exception cref="WeightLoadException">The file cannot be read or does not fit the encoder.</exception>
    public static void LoadInto(MaMAModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        var network = model.ImageEncoder.ResNetBackbone
            ?? throw new ArgumentException("The model's image encoder is not a ResNet (MaMAConfig.ImageEncoder).", nameof(model));
        LoadInto(network, path);
    }

    private static GraphProto ParseGraph(string path)
    {
        if (!File.Exists(path)) throw new WeightLoadException($"ONNX file '{path}' does not exist.");
        ModelProto model;
        try
        {
            using var stream = File.OpenRead(path);
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or IOException or UnauthorizedAccessException)
        {
            throw new WeightLoadException($"'{path}' is not a readable ONNX model: {e.Message}", e);
        }
        if (model.Graph is null || model.Graph.Node.Count == 0)
            throw new WeightLoadException($"'{path}' is not an ONNX model (no graph).");
        return model.Graph;
    }

    private static List<(NodeProto Conv, NodeProto Norm)> ConvNormPairs(GraphProto graph, string path)
    {
        var consumers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
            foreach (var input in node.Input)
            {
                if (!consumers.TryGetValue(input, out var list)) consumers[input] = list = [];
                list.Add(node);
            }
        var convs = graph.Node.Where(n => n.OpType == "Conv").ToList();
        var pairs = new List<(NodeProto, NodeProto)>();
        foreach (var conv in convs)
        {
            var norm = consumers.GetValueOrDefault(conv.Output[0])?.SingleOrDefault(n => n.OpType == "BatchNormalization")
                ?? throw new WeightLoadException($"'{path}': convolution '{conv.Name}' ({conv.Output[0]}) is not followed by a batch norm.");
            if (norm.Input.Count < 5) throw new WeightLoadException($"'{path}': batch norm '{norm.Name}' has {norm.Input.Count} inputs, not 5.");
            pairs.Add((conv, norm));
        }
        // CNTK's export lists a block's 1 x 1 shortcut before its 3 x 3 convolutions; put it last in each
        // block so the order is stem, then (conv1, conv2[, downsample]) per block, as TorchvisionNames lists them.
        var ordered = new List<(NodeProto, NodeProto)>();
        var pendingShortcut = new List<(NodeProto, NodeProto)>();
        int threeByThree = 0;
        foreach (var pair in pairs.Skip(1))
        {
            if (KernelOf(pair.Item1) == 1) { pendingShortcut.Add(pair); continue; }
            ordered.Add(pair);
            if (++threeByThree % 2 == 0) { ordered.AddRange(pendingShortcut); pendingShortcut.Clear(); }
        }
        if (pendingShortcut.Count > 0) throw new WeightLoadException($"'{path}': a 1 x 1 shortcut convolution does not belong to any block.");
        return pairs.Count == 0 ? pairs : [pairs[0], .. ordered];
    }

    private static List<(string Conv, string Norm, long Kernel)> TorchvisionNames(ResNetConfig config)
    {
        var names = new List<(string, string, long)> { ("conv1", "bn1", 7) };
        long inputs = config.StemWidth;
        for (int s = 0; s < 4; s++)
        {
            long width = (long)config.StemWidth << s;
            for (int b = 0; b < config.BlocksPerStage[s]; b++)
            {
                string block = $"layer{s + 1}.{b}";
                names.Add(($"{block}.conv1", $"{block}.bn1", 3));
                names.Add(($"{block}.conv2", $"{block}.bn2", 3));
                if (b == 0 && (s > 0 || inputs != width)) names.Add(($"{block}.downsample.0", $"{block}.downsample.1", 1));
                inputs = width;
            }
        }
        return names;
    }

    private static long KernelOf(NodeProto conv) =>
        conv.Attribute.FirstOrDefault(a => a.Name == "kernel_shape") is { } k && k.Ints.Count == 2 && k.Ints[0] == k.Ints[1] ? k.Ints[0] : -1;

    private static void CheckKernel(NodeProto conv, long kernel, string path)
    {
        long actual = KernelOf(conv);
        if (actual != kernel)
            throw new WeightLoadException($"'{path}': convolution '{conv.Name}' has kernel {actual}, where a ResNet has {kernel} x {kernel}.");
    }

    private static TensorProto Initializer(Dictionary<string, TensorProto> initializers, string name, string path) =>
        initializers.TryGetValue(name, out var t) ? t : throw new WeightLoadException($"'{path}': weight '{name}' is not an initializer.");

    private static Tensor ToTensor(TensorProto proto, string path)
    {
        if (proto.DataType != (int)TensorProto.Types.DataType.Float)
            throw new WeightLoadException($"'{path}': weight '{proto.Name}' has ONNX data type {proto.DataType}, not float.");
        if (proto.DataLocation == TensorProto.Types.DataLocation.External)
            throw new WeightLoadException($"'{path}': weight '{proto.Name}' is stored outside the file; only inline weights are read.");
        long[] shape = [.. proto.Dims];
        long count = shape.Aggregate(1L, (a, d) => d < 0 ? -1 : a * d);
        float[] values = proto.RawData.Length > 0
            ? MemoryMarshal.Cast<byte, float>(proto.RawData.Span).ToArray()
            : [.. proto.FloatData];
        if (count < 0 || values.LongLength != count)
            throw new WeightLoadException($"'{path}': weight '{proto.Name}' has {values.LongLength} values for shape [{string.Join(", ", shape)}].");
        return tensor(values, shape);
    }
}
