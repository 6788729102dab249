using Onnx;

namespace MaMA.MLNet.Onnx.Graph;

/// <summary>
/// Raises the default-domain (<c>ai.onnx</c>) opset of a model, rewriting the operators whose interface changed
/// on the way. Needed to compose graphs written for different opsets: ML.NET's <c>ConvertToOnnx</c> writes
/// opset 12, where <c>Unsqueeze</c>'s axes are an attribute; from opset 13 they are an input.
/// </summary>
/// <remarks>
/// Rewritten (at 13): <c>Unsqueeze</c>, <c>Squeeze</c> and <c>ReduceSum</c> <c>axes</c>, <c>Split</c>'s
/// <c>split</c>, each moved from an attribute to an int64 constant input. Refused, because their rewrite is not
/// implemented: operators whose inputs changed before opset 11 (<c>Slice</c>, <c>Pad</c>, <c>Clip</c>,
/// <c>TopK</c>, <c>Upsample</c>, <c>Resize</c>) when the model is older than that, and any target above 17, where
/// the other reductions move their axes too. Operators that only gained types keep working as they are.
/// </remarks>
public static class OnnxOpsetUpgrader
{
    /// <summary>The highest opset this upgrader knows how to reach.</summary>
    public const long MaxTargetVersion = 17;

    private static readonly Dictionary<string, string> AttributeToInputAt13 = new(StringComparer.Ordinal)
    {
        ["Unsqueeze"] = "axes",
        ["Squeeze"] = "axes",
        ["ReduceSum"] = "axes",
        ["Split"] = "split",
    };

    private static readonly Dictionary<string, long> ChangedBefore = new(StringComparer.Ordinal)
    {
        ["Slice"] = 10, ["TopK"] = 10, ["Upsample"] = 10, ["Pad"] = 11, ["Clip"] = 11, ["Resize"] = 11,
    };

    /// <summary>The model's default-domain opset version (1 when it imports none).</summary>
    public static long DefaultOpset(ModelProto model) =>
        model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(1).Max();

    /// <summary>A copy of <paramref name="model"/> at default-domain opset <paramref name="targetVersion"/>; the model itself is not changed.</summary>
    /// <exception cref="OnnxExportException">The target is lower than the model's opset or above <see cref="MaxTargetVersion"/>, or an operator needs a rewrite this class lacks.</exception>
    public static ModelProto Upgrade(ModelProto model, long targetVersion)
    {
        ArgumentNullException.ThrowIfNull(model);
        long from = DefaultOpset(model);
        if (targetVersion < from) throw new OnnxExportException($"Cannot lower a model's opset from {from} to {targetVersion}.");
        if (targetVersion > MaxTargetVersion) throw new OnnxExportException($"Opset {targetVersion} is above {MaxTargetVersion}, the highest this upgrader handles.");
        var copy = model.Clone();
        if (targetVersion == from) return copy;
        var g = copy.Graph ?? throw new OnnxExportException("The model has no graph.");
        var used = g.Node.SelectMany(n => n.Input.Concat(n.Output)).Concat(g.Initializer.Select(i => i.Name)).ToHashSet(StringComparer.Ordinal);
        int counter = 0;
        foreach (var node in g.Node.Where(n => n.Domain is "" or "ai.onnx"))
        {
            if (ChangedBefore.TryGetValue(node.OpType, out long since) && from < since && targetVersion >= since)
                throw new OnnxExportException($"Node '{node.Name}' ({node.OpType}) changed its inputs at opset {since}; upgrading it from {from} is not supported.");
            if (from < 13 && targetVersion >= 13 && AttributeToInputAt13.TryGetValue(node.OpType, out var attributeName))
            {
                var attribute = node.Attribute.FirstOrDefault(a => a.Name == attributeName);
                if (attribute is null) continue;
                string name;
                do name = $"{node.OpType}_{attributeName}_{counter++}"; while (!used.Add(name));
                var constant = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
                constant.Dims.Add(attribute.Ints.Count);
                constant.Int64Data.Add(attribute.Ints);
                g.Initializer.Add(constant);
                node.Attribute.Remove(attribute);
                // Before opset 13 these operators have exactly one input; the axes / split become the second.
                if (node.Input.Count != 1) throw new OnnxExportException($"Node '{node.Name}' ({node.OpType}) has {node.Input.Count} inputs; one is expected before opset 13.");
                node.Input.Add(name);
            }
        }
        copy.OpsetImport.Clear();
        copy.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = targetVersion });
        copy.OpsetImport.Add(model.OpsetImport.Where(o => o.Domain is not ("" or "ai.onnx")).Select(o => o.Clone()));
        return copy;
    }
}
