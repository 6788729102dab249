using MaMA.MLNet.Onnx.Tests.Support;
using MaMA.MLNet.Onnx.Text;
using MaMA.MLNet.Onnx.Weights;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MaMA.MLNet.Onnx.Tests.Text;

[TestClass]
public sealed class LoraMergeTests
{
    private static Dictionary<string, Tensor> Layer(bool withA, bool withB)
    {
        var w = new Dictionary<string, Tensor> { ["c.weight"] = randn(6, 4, ScalarType.Float32) };
        if (withA) w["c.lora_A.weight"] = randn(2, 4, ScalarType.Float32);
        if (withB) w["c.lora_B.weight"] = randn(6, 2, ScalarType.Float32);
        return w;
    }

    [TestMethod]
    public void MergedWeightEqualsTheUnmergedAdapterPath()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var w = Layer(true, true);
        var x = randn(3, 4, ScalarType.Float64);
        var merged = LoraMerge.MergedWeight(new WeightSet(w), "c", 6, 4, alpha: 8.0);
        var viaMerge = F.linear(x, merged);
        var viaAdapter = F.linear(x, w["c.weight"].to_type(ScalarType.Float64))
            + F.linear(F.linear(x, w["c.lora_A.weight"].to_type(ScalarType.Float64)), w["c.lora_B.weight"].to_type(ScalarType.Float64)) * (8.0 / 2);
        Tolerance.AssertClose(VitReference.Values(viaMerge).Select(v => (float)v).ToArray(), VitReference.Values(viaAdapter), "x W'^T", 1e-5);
    }

    [TestMethod]
    public void WithoutAdapterTheBaseWeightComesBackUnchanged()
    {
        using var scope = NewDisposeScope();
        var w = Layer(false, false);
        var merged = LoraMerge.MergedWeight(new WeightSet(w), "c", 6, 4, alpha: null);
        Assert.IsTrue(merged.allclose(w["c.weight"].to_type(ScalarType.Float64), rtol: 0, atol: 0));
    }

    [TestMethod]
    public void HalfAnAdapterOrNoAlphaIsAnError()
    {
        using var scope = NewDisposeScope();
        var e1 = Assert.ThrowsExactly<OnnxExportException>(() => LoraMerge.MergedWeight(new WeightSet(Layer(true, false)), "c", 6, 4, 8.0));
        StringAssert.Contains(e1.Message, "c.lora_B.weight");
        var e2 = Assert.ThrowsExactly<OnnxExportException>(() => LoraMerge.MergedWeight(new WeightSet(Layer(true, true)), "c", 6, 4, alpha: null));
        StringAssert.Contains(e2.Message, "alpha");
    }
}
