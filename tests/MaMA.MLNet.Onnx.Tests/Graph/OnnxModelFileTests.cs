using MaMA.MLNet.Onnx.Graph;
using MaMA.MLNet.Onnx.Tests.Support;
using MaMA.MLNet.Onnx.Vision;
using MaMA.MLNet.Onnx.Weights;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace MaMA.MLNet.Onnx.Tests.Graph;

[TestClass]
public sealed class OnnxModelFileTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void ModelWithExternalDataLoadsFromItsPathAndAgreesWithTheInlineModel()
    {
        var config = new VitExportConfig { EmbedDim = 32, Depth = 1, NumHeads = 4, RegisterCount = 4, ImageHeight = 28, ImageWidth = 28 };
        using var scope = NewDisposeScope();
        using var weights = RandomWeights.Vit(config, 2, 16, seed: 8);
        var model = MamaOnnxExporter.ExportImageEncoder(new WeightSet(weights.Tensors), config);
        var pixels = ("pixels", (Array)WeightSet.ToFloats(weights.RandomInput(1.0, 2, 3, 28, 28)), new long[] { 2, 3, 28, 28 });

        string dir = Directory.CreateTempSubdirectory("mama-onnx-").FullName;
        try
        {
            string inlinePath = Path.Combine(dir, "inline.onnx"), externalPath = Path.Combine(dir, "external.onnx");
            Assert.IsNull(OnnxModelFile.Save(model, inlinePath));
            string? dataPath = OnnxModelFile.Save(model, externalPath, externalData: true);
            Assert.AreEqual(externalPath + ".data", dataPath);
            Assert.IsLessThan(new FileInfo(inlinePath).Length / 4, new FileInfo(externalPath).Length, "weights moved out of the protobuf");
            Assert.IsTrue(model.Graph.Initializer.All(t => t.ExternalData.Count == 0), "the model object is not changed");

            using var options = OrtRunner.StrictOptions();
            using var inlineSession = new InferenceSession(inlinePath, options);
            using var externalSession = new InferenceSession(externalPath, options);
            float[] a = OrtRunner.Run(inlineSession, pixels)["embedding"].Values, b = OrtRunner.Run(externalSession, pixels)["embedding"].Values;
            CollectionAssert.AreEqual(a, b);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
