using Onnx;

namespace MaMA.MLNet.Onnx.Graph;

/// <summary>
/// Joins two ONNX models into one: the outputs of the first feed inputs of the second (for instance an image
/// encoder's <c>embedding</c> into an ML.NET-exported classifier head). Interface names (the inputs and the
/// kept outputs) stay as they are; every internal value, initializer and node name gets a per-graph prefix so
/// the two graphs cannot clash. Opset imports are merged per domain (the higher version wins), so a head using
/// the <c>ai.onnx.ml</c> domain keeps it.
/// </summary>
/// <remarks>
/// The graph with the lower <c>ai.onnx</c> opset is raised to the higher one by <see cref="OnnxOpsetUpgrader"/>,
/// which rewrites the operators whose interface changed and refuses those it cannot; still, load the composed
/// model in ONNX Runtime once (it validates every node against the merged opset). Graphs with sub-graphs
/// (If, Loop, Scan) are refused rather than renamed half-way.
/// </remarks>
public static class OnnxGraphComposer
{
    /// <summary>Prefix of the first graph's internal names in the composed model.</summary>
    public const string FirstPrefix = "first/";
    /// <summary>Prefix of the second graph's internal names in the composed model.</summary>
    public const string SecondPrefix = "second/";

    /// <summary>
    /// Composes <paramref name="first"/> and <paramref name="second"/>. The composed inputs are the first
    /// graph's inputs plus the second graph's inputs that are not connected; its outputs are
    /// <paramref name="outputs"/> (names of outputs of either graph), by default all of the second graph's.
    /// </summary>
    /// <param name="first">The upstream model (not changed).</param>
    /// <param name="second">The downstream model (not changed).</param>
    /// <param name="connections">Second-graph input name -> first-graph output name feeding it.</param>
    /// <param name="outputs">The outputs to keep, in order; null keeps the second graph's outputs.</param>
    /// <exception cref="OnnxExportException">A connection or output names nothing, element types disagree, names clash, or a graph has sub-graphs.</exception>
    public static ModelProto Compose(ModelProto first, ModelProto second, IReadOnlyDictionary<string, string> connections,
        IReadOnlyList<string>? outputs = null)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        ArgumentNullException.ThrowIfNull(connections);
        // Both graphs must speak one default-domain opset: raise the older one (see OnnxOpsetUpgrader).
        long opset = Math.Max(OnnxOpsetUpgrader.DefaultOpset(first), OnnxOpsetUpgrader.DefaultOpset(second));
        first = OnnxOpsetUpgrader.Upgrade(first, opset);
        second = OnnxOpsetUpgrader.Upgrade(second, opset);
        var a = first.Graph ?? throw new OnnxExportException("The first model has no graph.");
        var b = second.Graph ?? throw new OnnxExportException("The second model has no graph.");
        RefuseSubgraphs(a, "first");
        RefuseSubgraphs(b, "second");
        if (connections.Count == 0) throw new OnnxExportException("Composing two graphs needs at least one connection.");

        var aOutputs = a.Output.ToDictionary(o => o.Name, StringComparer.Ordinal);
        var bInputs = RealInputs(b).ToDictionary(i => i.Name, StringComparer.Ordinal);
        foreach (var (into, from) in connections)
        {
            if (!bInputs.TryGetValue(into, out var target))
                throw new OnnxExportException($"Connection '{from}' -> '{into}': the second graph has no input '{into}' (it has {Names(bInputs.Keys)}).");
            if (!aOutputs.TryGetValue(from, out var source))
                throw new OnnxExportException($"Connection '{from}' -> '{into}': the first graph has no output '{from}' (it has {Names(aOutputs.Keys)}).");
            int fromType = source.Type?.TensorType?.ElemType ?? 0, intoType = target.Type?.TensorType?.ElemType ?? 0;
            if (fromType != intoType)
                throw new OnnxExportException(
                    $"Connection '{from}' -> '{into}': element types differ ({(TensorProto.Types.DataType)fromType} vs {(TensorProto.Types.DataType)intoType}).");
        }

        var keep = outputs ?? b.Output.Select(o => o.Name).ToList();
        if (keep.Count == 0) throw new OnnxExportException("The composed model needs at least one output.");
        var interfaceNames = a.Input.Select(i => i.Name).Concat(RealInputs(b).Where(i => !connections.ContainsKey(i.Name)).Select(i => i.Name)).ToList();
        var clash = interfaceNames.Concat(keep).GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null) throw new OnnxExportException($"The name '{clash.Key}' would be used twice in the composed model's interface.");
        var kept = new HashSet<string>(keep, StringComparer.Ordinal);

        // First graph: inputs and kept outputs keep their names; the connected outputs are produced under
        // their own name if kept, otherwise under the prefixed one.
        var aInputNames = a.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        string RenameA(string n) => n.Length == 0 || aInputNames.Contains(n) || (aOutputs.ContainsKey(n) && kept.Contains(n)) ? n : FirstPrefix + n;
        var bOutputNames = b.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var bFreeInputs = RealInputs(b).Where(i => !connections.ContainsKey(i.Name)).Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        string RenameB(string n) =>
            n.Length == 0 ? n
            : connections.TryGetValue(n, out var from) ? RenameA(from)
            : bFreeInputs.Contains(n) || (bOutputNames.Contains(n) && kept.Contains(n)) ? n
            : SecondPrefix + n;

        var graph = new GraphProto { Name = $"{a.Name}+{b.Name}", DocString = $"{a.Name} composed with {b.Name}" };
        graph.Input.Add(a.Input.Select(i => i.Clone()));
        graph.Input.Add(RealInputs(b).Where(i => bFreeInputs.Contains(i.Name)).Select(i => i.Clone()));
        AppendRenamed(graph, a, RenameA, FirstPrefix);
        AppendRenamed(graph, b, RenameB, SecondPrefix);

        foreach (string name in keep)
        {
            ValueInfoProto info = b.Output.FirstOrDefault(o => o.Name == name) ?? a.Output.FirstOrDefault(o => o.Name == name)
                ?? throw new OnnxExportException($"Output '{name}' is not an output of either graph (first: {Names(aOutputs.Keys)}; second: {Names(bOutputNames)}).");
            graph.Output.Add(info.Clone());
        }

        var model = new ModelProto
        {
            IrVersion = Math.Max(first.IrVersion, second.IrVersion),
            ProducerName = first.ProducerName,
            ProducerVersion = first.ProducerVersion,
            Domain = first.Domain,
            ModelVersion = first.ModelVersion,
            DocString = first.DocString,
            Graph = graph,
        };
        model.OpsetImport.Add(MergeOpsets(first, second));
        var metadata = first.MetadataProps.Select(p => p.Clone()).ToList();
        foreach (var entry in second.MetadataProps.Where(p => metadata.All(m => m.Key != p.Key))) metadata.Add(entry.Clone());
        model.MetadataProps.Add(metadata);
        return model;
    }

    /// <summary>
    /// A copy of <paramref name="model"/> with graph inputs and outputs renamed by <paramref name="renames"/>
    /// (old name -> new name), every use inside the graph included. Names not in the map are kept.
    /// </summary>
    /// <exception cref="OnnxExportException">A name in the map is not an input or output, or a new name is already used.</exception>
    public static ModelProto RenameInterface(ModelProto model, IReadOnlyDictionary<string, string> renames)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(renames);
        var copy = model.Clone();
        var g = copy.Graph ?? throw new OnnxExportException("The model has no graph.");
        RefuseSubgraphs(g, "renamed");
        var interfaceNames = g.Input.Select(i => i.Name).Concat(g.Output.Select(o => o.Name)).ToHashSet(StringComparer.Ordinal);
        var used = g.Node.SelectMany(n => n.Input.Concat(n.Output)).Concat(g.Initializer.Select(i => i.Name)).Concat(interfaceNames).ToHashSet(StringComparer.Ordinal);
        foreach (var (from, to) in renames)
        {
            if (!interfaceNames.Contains(from)) throw new OnnxExportException($"'{from}' is not an input or output of the model.");
            if (string.IsNullOrWhiteSpace(to)) throw new OnnxExportException($"The new name for '{from}' is empty.");
            if (from != to && used.Contains(to)) throw new OnnxExportException($"Cannot rename '{from}' to '{to}': that name is already used in the graph.");
        }
        if (renames.Values.Distinct(StringComparer.Ordinal).Count() != renames.Count) throw new OnnxExportException("Two interface names would be renamed to the same name.");
        string Rename(string n) => renames.TryGetValue(n, out var to) ? to : n;
        foreach (var node in g.Node) RenameAll(node, Rename);
        foreach (var v in g.Input.Concat(g.Output).Concat(g.ValueInfo)) v.Name = Rename(v.Name);
        return copy;
    }

    private static void AppendRenamed(GraphProto into, GraphProto from, Func<string, string> rename, string prefix)
    {
        var inputNames = from.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var init in from.Initializer)
        {
            var copy = init.Clone();
            copy.Name = rename(init.Name);
            into.Initializer.Add(copy);
        }
        foreach (var sparse in from.SparseInitializer)
        {
            var copy = sparse.Clone();
            if (copy.Values is not null) copy.Values.Name = rename(copy.Values.Name);
            into.SparseInitializer.Add(copy);
        }
        foreach (var node in from.Node)
        {
            var copy = node.Clone();
            if (copy.Name.Length > 0) copy.Name = prefix + copy.Name;
            RenameAll(copy, rename);
            into.Node.Add(copy);
        }
        foreach (var info in from.ValueInfo.Where(v => !inputNames.Contains(v.Name)))
        {
            var copy = info.Clone();
            copy.Name = rename(info.Name);
            into.ValueInfo.Add(copy);
        }
    }

    private static void RenameAll(NodeProto node, Func<string, string> rename)
    {
        for (int i = 0; i < node.Input.Count; i++) node.Input[i] = rename(node.Input[i]);
        for (int i = 0; i < node.Output.Count; i++) node.Output[i] = rename(node.Output[i]);
    }

    /// <summary>Graph inputs that are real inputs, not initializers listed as inputs (allowed before IR 4).</summary>
    private static IEnumerable<ValueInfoProto> RealInputs(GraphProto g)
    {
        var initializers = g.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        return g.Input.Where(i => !initializers.Contains(i.Name));
    }

    private static IEnumerable<OperatorSetIdProto> MergeOpsets(ModelProto first, ModelProto second) =>
        first.OpsetImport.Concat(second.OpsetImport)
            .GroupBy(o => o.Domain is "ai.onnx" ? "" : o.Domain, StringComparer.Ordinal)
            .Select(g => new OperatorSetIdProto { Domain = g.Key, Version = g.Max(o => o.Version) });

    private static void RefuseSubgraphs(GraphProto g, string which)
    {
        var node = g.Node.FirstOrDefault(n => n.Attribute.Any(at => at.G is not null || at.Graphs.Count > 0));
        if (node is not null)
            throw new OnnxExportException($"The {which} graph has a sub-graph in node '{node.Name}' ({node.OpType}); graphs with sub-graphs cannot be composed.");
    }

    private static string Names(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));
}
