using MaMA.MLNet.Onnx.Graph;
using MaMA.MLNet.Onnx.Tests.Support;
using MaMA.MLNet.Onnx.Weights;
using Onnx;
using static TorchSharp.torch;
using DataType = Onnx.TensorProto.Types.DataType;
using F = TorchSharp.torch.nn.functional;

namespace MaMA.MLNet.Onnx.Tests.Graph;

[TestClass]
public sealed class OnnxGraphBuilderTests
{
    private static readonly float[] Samples = [-4f, -2.5f, -1f, -0.3f, 0f, 0.2f, 0.9f, 1.7f, 3f, 6f];

    private static float[] RunUnary(Func<OnnxGraphBuilder, string, string> op)
    {
        var g = new OnnxGraphBuilder("unary");
        string x = g.AddInput("x", DataType.Float, "batch", Samples.Length);
        g.AddOutput(op(g, x), "y", DataType.Float, "batch", Samples.Length);
        return OrtRunner.Run(g.Build([], "test", "unary op"), ("x", Samples, [1, Samples.Length]))["y"].Values;
    }

    [TestMethod]
    [DataRow(false, DisplayName = "exact (erf)")]
    [DataRow(true, DisplayName = "tanh approximation")]
    public void GeluMatchesTorchSharp(bool tanh)
    {
        using var scope = NewDisposeScope();
        float[] actual = RunUnary((g, x) => g.Gelu(x, tanh));
        var x = tensor(Samples.Select(v => (double)v).ToArray());
        var expected = tanh ? F.gelu(x, TorchSharp.Modules.GELU.Approximate.tanh) : F.gelu(x);
        Tolerance.AssertClose(actual, VitReference.Values(expected), "gelu", 1e-6);
    }

    [TestMethod]
    public void ExactAndTanhGeluDifferWhereTheyShould()
    {
        // At x = -2.5 the two forms differ by about 2e-3: the graph must not collapse them.
        float[] exact = RunUnary((g, x) => g.Gelu(x, false)), approx = RunUnary((g, x) => g.Gelu(x, true));
        Assert.IsGreaterThan(1e-4, Math.Abs(exact[1] - approx[1]));
    }

    [TestMethod]
    public void L2NormalizeGivesUnitRowsAndLeavesZeroRowsZero()
    {
        var g = new OnnxGraphBuilder("l2");
        string x = g.AddInput("x", DataType.Float, "batch", 2);
        g.AddOutput(g.L2Normalize(x), "y", DataType.Float, "batch", 2);
        var y = OrtRunner.Run(g.Build([], "test", "l2"), ("x", new float[] { 3, 4, 0, 0, -5, 12 }, [3, 2]))["y"].Values;
        CollectionAssert.AreEqual(new float[] { 0.6f, 0.8f, 0, 0, -5f / 13, 12f / 13 }, y, new FloatComparer(1e-6f));
    }

    [TestMethod]
    public void MetadataAndOpsetReachOnnxRuntime()
    {
        var g = new OnnxGraphBuilder("meta");
        string x = g.AddInput("x", DataType.Float, "batch", 1);
        g.AddOutput(x, "y", DataType.Float, "batch", 1);
        var model = g.Build([new("k", "v"), new("class_names", "[\"a\"]")], "1.2.3", "doc");
        Assert.AreEqual(OnnxGraphBuilder.Opset, model.OpsetImport.Single().Version);
        using var options = OrtRunner.StrictOptions();
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(model), options);
        Assert.AreEqual("v", session.ModelMetadata.CustomMetadataMap["k"]);
        Assert.AreEqual("MaMA.MLNet.Onnx", session.ModelMetadata.ProducerName);
        Assert.AreEqual(-1, session.InputMetadata["x"].Dimensions[0], "the batch axis is symbolic");
        Assert.AreEqual("batch", session.InputMetadata["x"].SymbolicDimensions[0]);
    }

    [TestMethod]
    public void NodeAndValueNamesAreUnique()
    {
        var g = new OnnxGraphBuilder("names");
        string x = g.AddInput("x", DataType.Float, 2);
        string a = g.Add(x, g.Scalar("c", 1f), "same");
        string b = g.Add(a, g.Scalar("c", 2f), "same");
        g.AddOutput(b, "y", DataType.Float, 2);
        var model = g.Build([], "t", "d");
        Assert.AreNotEqual(a, b);
        var nodeNames = model.Graph.Node.Select(n => n.Name).ToList();
        Assert.HasCount(nodeNames.Count, nodeNames.Distinct());
        var valueNames = model.Graph.Node.SelectMany(n => n.Output).Concat(model.Graph.Initializer.Select(t => t.Name)).ToList();
        Assert.HasCount(valueNames.Count, valueNames.Distinct());
        Assert.AreEqual(2, model.Graph.Initializer.Count, "two different scalars; the cache shares only equal ones");
    }

    [TestMethod]
    public void BadDeclarationsAreRejected()
    {
        var g = new OnnxGraphBuilder("bad");
        g.AddInput("x", DataType.Float, 2);
        StringAssert.Contains(Assert.ThrowsExactly<OnnxExportException>(() => g.AddInput("x", DataType.Float, 2)).Message, "'x'");
        StringAssert.Contains(Assert.ThrowsExactly<OnnxExportException>(() => g.AddInitializer("w", new float[5], 2, 3)).Message, "'w'");
        Assert.ThrowsExactly<OnnxExportException>(() => new OnnxGraphBuilder("empty").Build([], "t", "no outputs"));
    }

    private sealed class FloatComparer(float tolerance) : System.Collections.IComparer
    {
        public int Compare(object? x, object? y) => Math.Abs((float)x! - (float)y!) <= tolerance ? 0 : 1;
    }
}
