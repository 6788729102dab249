using MaMA.MLNet.Onnx.Tests.Support;
using MaMA.MLNet.Onnx.Vision;
using MaMA.MLNet.Onnx.Weights;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MaMA.MLNet.Onnx.Tests.Vision;

/// <summary>Zero-shot and fine-tuned classifiers against the reference encoder plus a hand-written head.</summary>
[TestClass]
public sealed class ClassifierParityTests
{
    private static readonly VitExportConfig Config = new()
    {
        EmbedDim = 32, Depth = 2, NumHeads = 4, RegisterCount = 4, ImageHeight = 28, ImageWidth = 42,
    };

    [TestMethod]
    public void ZeroShotProbabilitiesMatchScaledCosineSoftmax()
    {
        using var scope = NewDisposeScope();
        using var weights = RandomWeights.Vit(Config, 2, projectionDim: 16, seed: 31);
        var pixels = weights.RandomInput(1.0, 5, 3, 28, 42);
        var classText = weights.RandomInput(3.0, 4, 16);                  // not normalised: the exporter normalises
        double logitScale = Math.Log(1 / 0.07);
        string[] names = ["A", "B", "C", "D"];

        var model = MamaOnnxExporter.ExportZeroShotClassifier(new WeightSet(weights.Tensors), Config, classText, logitScale, names);
        var outputs = OrtRunner.Run(model, ("pixels", WeightSet.ToFloats(pixels), [5, 3, 28, 42]));

        var image = tensor(VitReference.Forward(weights.Tensors, Config, pixels).Embedding, [5, 16]);
        var logits = image.matmul(F.normalize(classText.to_type(ScalarType.Float64), p: 2, dim: 1).t()) * Math.Exp(logitScale);
        CollectionAssert.AreEqual(new long[] { 5, 4 }, outputs["probabilities"].Shape);
        Tolerance.AssertClose(outputs["logits"].Values, VitReference.Values(logits), "logits", 1e-3);   // logits are ~14x the embedding
        Tolerance.AssertClose(outputs["probabilities"].Values, VitReference.Values(F.softmax(logits, 1)), "probabilities");
        for (int b = 0; b < 5; b++)
            Assert.AreEqual(1.0, outputs["probabilities"].Values.Skip(b * 4).Take(4).Sum(), 1e-5, $"row {b} sums to 1");
    }

    [TestMethod]
    public void FineTunedProbabilitiesMatchLinearHeadOnPooledFeature()
    {
        using var scope = NewDisposeScope();
        using var weights = RandomWeights.Vit(Config, 3, projectionDim: 16, seed: 41, headClasses: 3);
        var pixels = weights.RandomInput(1.0, 2, 3, 28, 42);
        var model = MamaOnnxExporter.ExportFineTunedClassifier(new WeightSet(weights.Tensors), Config, ["benign", "malignant", "normal"]);
        var outputs = OrtRunner.Run(model, ("pixels", WeightSet.ToFloats(pixels), [2, 3, 28, 42]));

        var pooled = tensor(VitReference.Forward(weights.Tensors, Config, pixels).Pooled, [2, 32]);
        var logits = F.linear(pooled, weights.Tensors["head.weight"].to_type(ScalarType.Float64), weights.Tensors["head.bias"].to_type(ScalarType.Float64));
        Tolerance.AssertClose(outputs["logits"].Values, VitReference.Values(logits), "logits");
        Tolerance.AssertClose(outputs["probabilities"].Values, VitReference.Values(F.softmax(logits, 1)), "probabilities");
    }

    [TestMethod]
    public void ClassNamesMustMatchTheHeadAndTheTextEmbeddings()
    {
        using var scope = NewDisposeScope();
        using var weights = RandomWeights.Vit(Config, 2, projectionDim: 16, seed: 1, headClasses: 3);
        var ws = new WeightSet(weights.Tensors);
        var e1 = Assert.ThrowsExactly<OnnxExportException>(() => MamaOnnxExporter.ExportFineTunedClassifier(ws, Config, ["a", "b"]));
        StringAssert.Contains(e1.Message, "head.weight");
        var e2 = Assert.ThrowsExactly<OnnxExportException>(() =>
            MamaOnnxExporter.ExportZeroShotClassifier(ws, Config, zeros(3, 15), 2.0, ["a", "b", "c"]));
        StringAssert.Contains(e2.Message, "[3, 16]");
        Assert.ThrowsExactly<OnnxExportException>(() => MamaOnnxExporter.ExportFineTunedClassifier(ws, Config, ["a", "a", "b"]));
        Assert.ThrowsExactly<OnnxExportException>(() => MamaOnnxExporter.ExportZeroShotClassifier(ws, Config, zeros(3, 16), double.NaN, ["a", "b", "c"]));
    }
}
