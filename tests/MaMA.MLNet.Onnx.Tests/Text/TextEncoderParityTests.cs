using MaMA.MLNet.Onnx.Tests.Support;
using MaMA.MLNet.Onnx.Text;
using MaMA.MLNet.Onnx.Weights;
using static TorchSharp.torch;

namespace MaMA.MLNet.Onnx.Tests.Text;

/// <summary>The exported GPT-2 text encoder, run by ONNX Runtime, against the float64 TorchSharp reference.</summary>
[TestClass]
public sealed class TextEncoderParityTests
{
    private const long ProjectionDim = 16;

    private static Gpt2ExportConfig Config(TextPooling pooling, double? alpha) => new()
    {
        EmbedDim = 32, Depth = 2, NumHeads = 4, VocabSize = 100, MaxPositions = 24, LoraAlpha = alpha, Pooling = pooling,
    };

    [TestMethod]
    [DataRow(TextPooling.MaskedMean, 4, 5, 9, DisplayName = "LoRA r=4 merged, masked mean, batch 5")]
    [DataRow(TextPooling.Mean, 4, 1, 7, DisplayName = "LoRA r=4 merged, plain mean, batch 1")]
    [DataRow(TextPooling.MaskedMean, 0, 1, 24, DisplayName = "no LoRA, masked mean, batch 1, full context")]
    [DataRow(TextPooling.Mean, 0, 5, 6, DisplayName = "no LoRA, plain mean, batch 5")]
    public void EmbeddingMatchesTheReference(TextPooling pooling, int loraRank, int batch, int length)
    {
        var config = Config(pooling, loraRank > 0 ? 8.0 : null);
        using var scope = NewDisposeScope();
        using var weights = RandomWeights.Gpt2(config, ProjectionDim, seed: 21 + loraRank + length, loraRank > 0 ? loraRank : null);
        var rng = new Random(batch * 100 + length);
        var ids = new long[batch, length];
        var mask = new long[batch, length];
        for (int b = 0; b < batch; b++)
        {
            int real = b == 0 ? length : rng.Next(1, length + 1);                  // right padding, as MaMA pads
            for (int t = 0; t < length; t++)
            {
                ids[b, t] = t < real ? rng.Next(0, config.VocabSize) : 0;
                mask[b, t] = t < real ? 1 : 0;
            }
        }

        var model = MamaOnnxExporter.ExportTextEncoder(new WeightSet(weights.Tensors), config);
        var outputs = OrtRunner.Run(model,
            (MamaOnnxExporter.InputIdsInput, ids.Cast<long>().ToArray(), [batch, length]),
            (MamaOnnxExporter.AttentionMaskInput, mask.Cast<long>().ToArray(), [batch, length]));
        CollectionAssert.AreEqual(new long[] { batch, ProjectionDim }, outputs[MamaOnnxExporter.EmbeddingOutput].Shape);
        Tolerance.AssertClose(outputs[MamaOnnxExporter.EmbeddingOutput].Values, Gpt2Reference.Embedding(weights.Tensors, config, ids, mask), "text embedding");
    }

    [TestMethod]
    public void PaddedPositionsDoNotChangeAMaskedMeanEmbedding()
    {
        // The same text alone and with three padding tokens (arbitrary ids) must embed alike.
        var config = Config(TextPooling.MaskedMean, 8.0);
        using var scope = NewDisposeScope();
        using var weights = RandomWeights.Gpt2(config, ProjectionDim, seed: 4, loraRank: 2);
        var model = MamaOnnxExporter.ExportTextEncoder(new WeightSet(weights.Tensors), config);
        long[] text = [5, 17, 42, 8];
        var alone = OrtRunner.Run(model, ("input_ids", text, [1, 4]), ("attention_mask", new long[] { 1, 1, 1, 1 }, [1, 4]))["embedding"].Values;
        var padded = OrtRunner.Run(model, ("input_ids", new long[] { 5, 17, 42, 8, 99, 3, 61 }, [1, 7]),
            ("attention_mask", new long[] { 1, 1, 1, 1, 0, 0, 0 }, [1, 7]))["embedding"].Values;
        for (int i = 0; i < alone.Length; i++) Assert.AreEqual(alone[i], padded[i], 1e-5, $"element {i}");
    }

    [TestMethod]
    public void LoraChangesTheEmbedding()
    {
        // Guards the merge against silently dropping the adapter: with and without lora_B the outputs differ.
        var config = Config(TextPooling.MaskedMean, 8.0);
        using var scope = NewDisposeScope();
        using var weights = RandomWeights.Gpt2(config, ProjectionDim, seed: 6, loraRank: 4);
        var withoutLora = weights.Tensors.Where(kv => !kv.Key.Contains(".lora_", StringComparison.Ordinal)).ToDictionary();
        (string, Array, long[])[] inputs = [("input_ids", new long[] { 1, 2, 3 }, [1, 3]), ("attention_mask", new long[] { 1, 1, 1 }, [1, 3])];
        var merged = OrtRunner.Run(MamaOnnxExporter.ExportTextEncoder(new WeightSet(weights.Tensors), config), inputs)["embedding"].Values;
        var plain = OrtRunner.Run(MamaOnnxExporter.ExportTextEncoder(new WeightSet(withoutLora), config), inputs)["embedding"].Values;
        double diff = merged.Zip(plain, (a, b) => Math.Abs(a - b)).Max();
        Assert.IsGreaterThan(1e-2, diff, $"max difference {diff}");
    }
}
