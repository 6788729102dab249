using MaMA.MLNet.Onnx.Tests.Support;
using MaMA.MLNet.Onnx.Vision;
using MaMA.MLNet.Onnx.Weights;
using static TorchSharp.torch;

namespace MaMA.MLNet.Onnx.Tests.Vision;

/// <summary>The exported image encoder, run by ONNX Runtime, against the float64 TorchSharp reference.</summary>
[TestClass]
public sealed class ImageEncoderParityTests
{
    private const long ProjectionDim = 16;

    // registers, layer scale, image height x width, pretraining grid, batch
    [TestMethod]
    [DataRow(0, false, 28, 28, 2, 1, DisplayName = "no registers, no LayerScale, 28x28 = pretraining grid, batch 1")]
    [DataRow(4, true, 42, 56, 2, 5, DisplayName = "4 registers, 42x56 (non-square, upsampled grid), batch 5")]
    [DataRow(4, true, 28, 42, 4, 1, DisplayName = "4 registers, 28x42 (downsampled grid), batch 1")]
    [DataRow(0, true, 56, 28, 3, 5, DisplayName = "no registers, 56x28 (tall), batch 5")]
    public void EmbeddingAndPatchTokensMatchTheReference(int registers, bool layerScale, int height, int width, int pretrainGrid, int batch)
    {
        var config = new VitExportConfig
        {
            EmbedDim = 32, Depth = 2, NumHeads = 4, PatchSize = 14, RegisterCount = registers, LayerScale = layerScale,
            ImageHeight = height, ImageWidth = width,
        };
        using var scope = NewDisposeScope();
        using var weights = RandomWeights.Vit(config, pretrainGrid, ProjectionDim, seed: 11 + registers + height);
        var pixels = weights.RandomInput(1.0, batch, 3, height, width);

        var model = MamaOnnxExporter.ExportImageEncoder(new WeightSet(weights.Tensors), config, includePatchTokens: true);
        var outputs = OrtRunner.Run(model, (MamaOnnxExporter.PixelsInput, WeightSet.ToFloats(pixels), [batch, 3, height, width]));
        var expected = VitReference.Forward(weights.Tensors, config, pixels);

        CollectionAssert.AreEqual(new long[] { batch, ProjectionDim }, outputs[MamaOnnxExporter.EmbeddingOutput].Shape);
        CollectionAssert.AreEqual(new long[] { batch, config.PatchCount, 32 }, outputs[MamaOnnxExporter.PatchTokensOutput].Shape);
        Tolerance.AssertClose(outputs[MamaOnnxExporter.EmbeddingOutput].Values, expected.Embedding, "embedding");
        Tolerance.AssertClose(outputs[MamaOnnxExporter.PatchTokensOutput].Values, expected.PatchTokens, "patch tokens");
    }

    [TestMethod]
    public void FullyOptimisedSessionGivesTheSameEmbedding()
    {
        // ORT fuses the Erf-GELU, LayerNorm and attention patterns at ORT_ENABLE_ALL; the result must not move.
        var config = new VitExportConfig { EmbedDim = 32, Depth = 2, NumHeads = 2, RegisterCount = 4, ImageHeight = 28, ImageWidth = 42 };
        using var scope = NewDisposeScope();
        using var weights = RandomWeights.Vit(config, 3, ProjectionDim, seed: 5);
        var pixels = weights.RandomInput(1.0, 2, 3, 28, 42);
        var model = MamaOnnxExporter.ExportImageEncoder(new WeightSet(weights.Tensors), config);
        var outputs = OrtRunner.Run(model, Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_ALL,
            (MamaOnnxExporter.PixelsInput, WeightSet.ToFloats(pixels), [2, 3, 28, 42]));
        Tolerance.AssertClose(outputs[MamaOnnxExporter.EmbeddingOutput].Values, VitReference.Forward(weights.Tensors, config, pixels).Embedding, "embedding");
        Assert.IsFalse(outputs.ContainsKey(MamaOnnxExporter.PatchTokensOutput), "patch tokens were not asked for");
    }

    [TestMethod]
    public void EachImageOfABatchGetsTheEmbeddingItGetsAlone()
    {
        var config = new VitExportConfig { EmbedDim = 32, Depth = 1, NumHeads = 4, RegisterCount = 4, ImageHeight = 28, ImageWidth = 28 };
        using var scope = NewDisposeScope();
        using var weights = RandomWeights.Vit(config, 2, ProjectionDim, seed: 3);
        var pixels = weights.RandomInput(1.0, 3, 3, 28, 28);
        var model = MamaOnnxExporter.ExportImageEncoder(new WeightSet(weights.Tensors), config);
        float[] all = OrtRunner.Run(model, ("pixels", WeightSet.ToFloats(pixels), [3, 3, 28, 28]))["embedding"].Values;
        for (int i = 0; i < 3; i++)
        {
            float[] alone = OrtRunner.Run(model, ("pixels", WeightSet.ToFloats(pixels[i..(i + 1)]), [1, 3, 28, 28]))["embedding"].Values;
            for (int j = 0; j < ProjectionDim; j++) Assert.AreEqual(alone[j], all[i * ProjectionDim + j], 1e-5, $"image {i}, element {j}");
        }
    }

    [TestMethod]
    public void WeightsUnderAPrefixAreFound()
    {
        var config = new VitExportConfig { EmbedDim = 32, Depth = 1, NumHeads = 4, ImageHeight = 28, ImageWidth = 28 };
        using var scope = NewDisposeScope();
        using var weights = RandomWeights.Vit(config, 2, ProjectionDim, seed: 9);
        var prefixed = weights.Tensors.ToDictionary(kv => "image_encoder." + kv.Key, kv => kv.Value);
        var pixels = weights.RandomInput(1.0, 1, 3, 28, 28);
        var model = MamaOnnxExporter.ExportImageEncoder(new WeightSet(prefixed, "image_encoder."), config);
        var outputs = OrtRunner.Run(model, ("pixels", WeightSet.ToFloats(pixels), [1, 3, 28, 28]));
        Tolerance.AssertClose(outputs["embedding"].Values, VitReference.Forward(weights.Tensors, config, pixels).Embedding, "embedding");
    }
}
