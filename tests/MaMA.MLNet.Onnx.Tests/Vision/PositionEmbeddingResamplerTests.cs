using MaMA.MLNet.Onnx.Vision;
using static TorchSharp.torch;

namespace MaMA.MLNet.Onnx.Tests.Vision;

[TestClass]
public sealed class PositionEmbeddingResamplerTests
{
    [TestMethod]
    public void MatchingGridComesBackUnchanged()
    {
        using var scope = NewDisposeScope();
        var pos = randn(1, 1 + 9, 8, ScalarType.Float64);
        Assert.IsTrue(PositionEmbeddingResampler.Resample(pos, 3, 3).allclose(pos, rtol: 0, atol: 0));
    }

    [TestMethod]
    public void ConstantTableStaysConstantAndClsIsKept()
    {
        // Antialiased bicubic weights sum to one, so a constant field resamples to the same constant.
        using var scope = NewDisposeScope();
        var pos = full(new long[] { 1, 1 + 16, 4 }, 2.5, ScalarType.Float64);
        pos[0, 0] = tensor(new double[] { 7, 8, 9, 10 });
        var resized = PositionEmbeddingResampler.Resample(pos, 3, 6);
        CollectionAssert.AreEqual(new long[] { 1, 1 + 18, 4 }, resized.shape);
        CollectionAssert.AreEqual(new double[] { 7, 8, 9, 10 }, resized[0, 0].data<double>().ToArray());
        foreach (double v in resized[0, 1..].contiguous().data<double>().ToArray()) Assert.AreEqual(2.5, v, 1e-12);
    }

    [TestMethod]
    public void NonSquareTableIsRejected()
    {
        using var scope = NewDisposeScope();
        var e = Assert.ThrowsExactly<OnnxExportException>(() => PositionEmbeddingResampler.Resample(zeros(1, 1 + 10, 4), 2, 2));
        StringAssert.Contains(e.Message, "11 rows");
        Assert.ThrowsExactly<OnnxExportException>(() => PositionEmbeddingResampler.Resample(zeros(1, 5, 4), 0, 2));
    }
}
