using MaMA.MLNet.Onnx.Graph;
using MaMA.MLNet.Onnx.Tests.Support;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace MaMA.MLNet.Onnx.Tests.Deployment;

/// <summary>Composition of two graphs and the opset upgrade, run in ONNX Runtime against values computed by hand.</summary>
[TestClass]
public sealed class OnnxGraphComposerTests
{
    /// <summary>Opset 17: x [batch, 3] -> y = 2 x, with an internal value named like the second graph's.</summary>
    private static ModelProto Doubler()
    {
        var g = new OnnxGraphBuilder("doubler");
        string x = g.AddInput("x", DataType.Float, "batch", 3);
        string two = g.AddInitializer("shared", [2f, 2f, 2f], 3);
        g.AddOutput(g.Mul(x, two, "tmp"), "y", DataType.Float, "batch", 3);
        return g.Build([], "test", "doubler");
    }

    /// <summary>Opset 12, written by hand as ML.NET writes it: f [batch, 3] -> Unsqueeze(axes=[1]) + "shared" (= 1).</summary>
    private static ModelProto Opset12Head()
    {
        var graph = new GraphProto { Name = "head" };
        graph.Input.Add(Info("f", 3));
        var shared = new TensorProto { Name = "shared", DataType = (int)DataType.Float };
        shared.Dims.Add(1);
        shared.FloatData.Add(1f);
        graph.Initializer.Add(shared);
        var unsqueeze = new NodeProto { Name = "Unsqueeze", OpType = "Unsqueeze", Domain = "" };
        unsqueeze.Input.Add("f");
        unsqueeze.Output.Add("tmp");
        var axes = new AttributeProto { Name = "axes", Type = AttributeProto.Types.AttributeType.Ints };
        axes.Ints.Add(1);
        unsqueeze.Attribute.Add(axes);
        var add = new NodeProto { Name = "Add", OpType = "Add", Domain = "" };
        add.Input.Add("tmp");
        add.Input.Add("shared");
        add.Output.Add("out");
        graph.Node.Add(unsqueeze);
        graph.Node.Add(add);
        var output = new ValueInfoProto { Name = "out", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)DataType.Float } } };
        graph.Output.Add(output);
        var model = new ModelProto { IrVersion = 7, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 12 });
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "ai.onnx.ml", Version = 2 });
        return model;
    }

    private static ValueInfoProto Info(string name, long width)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = width });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)DataType.Float, Shape = shape } } };
    }

    [TestMethod]
    public void ComposedGraphComputesTheSecondOfTheFirst()
    {
        var composed = OnnxGraphComposer.Compose(Doubler(), Opset12Head(), new Dictionary<string, string> { ["f"] = "y" }, ["out", "y"]);
        Assert.AreEqual(17, OnnxOpsetUpgrader.DefaultOpset(composed));
        Assert.AreEqual(2, composed.OpsetImport.Single(o => o.Domain == "ai.onnx.ml").Version);
        CollectionAssert.AreEqual(new[] { "x" }, composed.Graph.Input.Select(i => i.Name).ToArray());

        float[] x = [1f, -2f, 0.5f, 3f, 4f, -1f];
        var outputs = OrtRunner.Run(composed, ("x", x, [2, 3]));
        CollectionAssert.AreEqual(new long[] { 2, 1, 3 }, outputs["out"].Shape);
        // out = unsqueeze(2 x) + 1, by hand; both graphs' "shared" and "tmp" kept apart.
        CollectionAssert.AreEqual(new[] { 3f, -3f, 2f, 7f, 9f, -1f }, outputs["out"].Values);
        CollectionAssert.AreEqual(new[] { 2f, -4f, 1f, 6f, 8f, -2f }, outputs["y"].Values);
    }

    [TestMethod]
    public void UpgradeMovesUnsqueezeAxesToAnInput()
    {
        var head = Opset12Head();
        var upgraded = OnnxOpsetUpgrader.Upgrade(head, 13);
        var node = upgraded.Graph.Node.Single(n => n.OpType == "Unsqueeze");
        Assert.IsEmpty(node.Attribute);
        Assert.HasCount(2, node.Input);
        var axes = upgraded.Graph.Initializer.Single(i => i.Name == node.Input[1]);
        CollectionAssert.AreEqual(new long[] { 1 }, axes.Int64Data.ToArray());
        Assert.HasCount(1, head.Graph.Node.Single(n => n.OpType == "Unsqueeze").Attribute, "the input model is not changed");
        // Without the rewrite ORT refuses the opset-13 graph; with it, it runs.
        var outputs = OrtRunner.Run(upgraded, ("f", new[] { 1f, 2f, 3f }, [1, 3]));
        CollectionAssert.AreEqual(new[] { 2f, 3f, 4f }, outputs["out"].Values);
    }

    [TestMethod]
    public void BadConnectionsAndClashesAreRefused()
    {
        var first = Doubler();
        var second = Opset12Head();
        var noInput = Assert.ThrowsExactly<OnnxExportException>(() => OnnxGraphComposer.Compose(first, second, new Dictionary<string, string> { ["g"] = "y" }));
        StringAssert.Contains(noInput.Message, "'g'");
        var noOutput = Assert.ThrowsExactly<OnnxExportException>(() => OnnxGraphComposer.Compose(first, second, new Dictionary<string, string> { ["f"] = "z" }));
        StringAssert.Contains(noOutput.Message, "'z'");
        var clash = Assert.ThrowsExactly<OnnxExportException>(() =>
            OnnxGraphComposer.Compose(first, second, new Dictionary<string, string> { ["f"] = "y" }, ["out", "x"]));
        StringAssert.Contains(clash.Message, "'x'");
        Assert.ThrowsExactly<OnnxExportException>(() => OnnxOpsetUpgrader.Upgrade(first, 12));
    }

    [TestMethod]
    public void RenameInterfaceRenamesEveryUse()
    {
        var renamed = OnnxGraphComposer.RenameInterface(Doubler(), new Dictionary<string, string> { ["x"] = "Image", ["y"] = "Embedding" });
        var outputs = OrtRunner.Run(renamed, ("Image", new[] { 1f, 2f, 3f }, [1, 3]));
        CollectionAssert.AreEqual(new[] { 2f, 4f, 6f }, outputs["Embedding"].Values);
        Assert.ThrowsExactly<OnnxExportException>(() => OnnxGraphComposer.RenameInterface(Doubler(), new Dictionary<string, string> { ["x"] = "y" }));
    }
}
