using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Onnx.Weights;

/// <summary>
/// A model's weights by name (for instance a TorchSharp module's <c>state_dict()</c>), read with shape
/// checks. A prefix selects one sub-module, so <c>image_encoder.</c> + <c>blocks.0.norm1.weight</c> finds a
/// ViT inside a larger model. The tensors stay owned by the caller; every read returns a copy.
/// </summary>
public sealed class WeightSet
{
    private readonly IReadOnlyDictionary<string, Tensor> _tensors;

    /// <summary>Wraps named tensors; names are looked up as <paramref name="prefix"/> + the contract name.</summary>
    public WeightSet(IReadOnlyDictionary<string, Tensor> tensors, string prefix = "")
    {
        _tensors = tensors ?? throw new ArgumentNullException(nameof(tensors));
        Prefix = prefix ?? "";
    }

    /// <summary>The same tensors under another prefix (e.g. "" to read a weight by its full name).</summary>
    public WeightSet WithPrefix(string prefix) => new(_tensors, prefix);

    /// <summary>The prefix put in front of every contract name.</summary>
    public string Prefix { get; }

    /// <summary>Whether a weight called <paramref name="name"/> (after the prefix) exists.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(Prefix + name);

    /// <summary>The shape of a weight.</summary>
    /// <exception cref="OnnxExportException">The weight is missing.</exception>
    public long[] ShapeOf(string name) => Find(name).shape;

    /// <summary>
    /// A float64 CPU copy of a weight, checked against <paramref name="expectedShape"/>. The copy belongs to
    /// the current dispose scope.
    /// </summary>
    /// <exception cref="OnnxExportException">The weight is missing or has another shape.</exception>
    public Tensor ReadDouble(string name, params long[] expectedShape)
    {
        var tensor = Find(name);
        CheckShape(name, tensor.shape, expectedShape);
        if (!tensor.is_floating_point())
            throw new OnnxExportException($"Weight '{Prefix + name}' has element type {tensor.dtype}; a floating-point tensor is expected.");
        return tensor.detach().to(CPU).to_type(ScalarType.Float64).contiguous();
    }

    /// <summary>A weight as float32 values in row-major order, checked against <paramref name="expectedShape"/>.</summary>
    /// <exception cref="OnnxExportException">The weight is missing or has another shape.</exception>
    public float[] ReadFloats(string name, params long[] expectedShape)
    {
        using var scope = NewDisposeScope();
        return ToFloats(ReadDouble(name, expectedShape));
    }

    /// <summary>A tensor's values as float32 in row-major order.</summary>
    public static float[] ToFloats(Tensor tensor)
    {
        using var scope = NewDisposeScope();
        return tensor.detach().to(CPU).to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
    }

    private Tensor Find(string name) =>
        _tensors.TryGetValue(Prefix + name, out var tensor) && tensor is not null
            ? tensor
            : throw new OnnxExportException($"Weight '{Prefix + name}' is missing.");

    private void CheckShape(string name, long[] actual, long[] expected)
    {
        if (!actual.SequenceEqual(expected))
            throw new OnnxExportException(
                $"Weight '{Prefix + name}' has shape [{string.Join(",", actual)}]; the configuration expects [{string.Join(",", expected)}].");
    }
}
