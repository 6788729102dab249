using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Onnx.Tests.Support;
using MaMA.MLNet.Onnx.Weights;
using static TorchSharp.torch;
using ModelPooling = MaMA.MLNet.Modeling.Text.TextPooling;

namespace MaMA.MLNet.Onnx.Tests.Parity;

/// <summary>
/// The exported graphs against the real TorchSharp modules: a tiny <see cref="MaMAModel"/> with random weights is
/// exported from its own state dict (prefixes of <see cref="MaMAParameterNames"/>) and run in ONNX Runtime; its
/// outputs must equal the model's own forward pass (float32) within 1e-4.
/// </summary>
[TestClass]
public sealed class MaMAModelParityTests
{
    private static MaMAConfig Config(int registers, ModelPooling pooling = ModelPooling.MaskedMean) => MaMAConfig.Tiny with
    {
        Vision = MaMAConfig.Tiny.Vision with { RegisterCount = registers },
        Text = MaMAConfig.Tiny.Text with { VocabSize = 300, ContextLength = 40 },
        TextMaxLength = 40,
        TextPooling = pooling,
        EmbeddingSize = 32,
        LocalProjectionHidden = 48,
    };

    // Random weights that make every part count: LayerScale gammas away from 1, a position embedding the
    // resampling visibly changes, LoRA B non-zero (so the merged adapter matters).
    private static MaMAModel Build(MaMAConfig config, long seed)
    {
        TorchRuntime.Seed(seed);
        var model = new MaMAModel(config);
        using (no_grad())
        {
            foreach (var (name, p) in model.named_parameters())
            {
                if (name.EndsWith(".gamma", StringComparison.Ordinal)) p.copy_(rand_like(p) + 0.5);
                else if (name.EndsWith("pos_embed", StringComparison.Ordinal) || name.EndsWith("register_tokens", StringComparison.Ordinal) || name.EndsWith("cls_token", StringComparison.Ordinal))
                    p.copy_(randn_like(p) * 0.5);
                else if (name.Contains(".lora_B.", StringComparison.Ordinal)) p.copy_(randn_like(p) * 0.1);
            }
        }
        model.eval();
        return model;
    }

    private static float[] Floats(Tensor t) => t.detach().cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray();

    private static double[] Doubles(Tensor t) => t.detach().cpu().to(ScalarType.Float64).contiguous().data<double>().ToArray();

    [TestMethod]
    [DataRow(4, 112, 112, 1, DisplayName = "4 registers, pretraining grid, batch 1")]
    [DataRow(4, 56, 84, 5, DisplayName = "4 registers, 56 x 84, batch 5")]
    [DataRow(0, 70, 42, 5, DisplayName = "no registers, 70 x 42, batch 5")]
    [DataRow(0, 126, 98, 1, DisplayName = "no registers, larger than pretraining, batch 1")]
    public void ImageEncoderMatchesTheModel(int registers, int height, int width, int batch)
    {
        using var scope = NewDisposeScope();
        var config = Config(registers);
        using var model = Build(config, seed: 100 + registers);
        var pixels = randn(batch, 3, height, width);
        using var encoding = model.EncodeImages(pixels);
        Tensor patches;
        using (no_grad()) patches = model.ImageEncoder.Backbone.forward(pixels).PatchTokens;

        var graph = MamaOnnxExporter.ExportImageEncoder(new WeightSet(model.state_dict(), MaMAParameterNames.ImageBackbone),
            MaMAExportConfigs.Vit(config, height, width), includePatchTokens: true, projectionName: MaMAParameterNames.ImageGlobalProjection);
        var outputs = OrtRunner.Run(graph, (MamaOnnxExporter.PixelsInput, Floats(pixels), [batch, 3, height, width]));

        CollectionAssert.AreEqual(new long[] { batch, config.EmbeddingSize }, outputs[MamaOnnxExporter.EmbeddingOutput].Shape);
        Tolerance.AssertClose(outputs[MamaOnnxExporter.EmbeddingOutput].Values, Doubles(encoding.Embedding), "embedding");
        Tolerance.AssertClose(outputs[MamaOnnxExporter.PatchTokensOutput].Values, Doubles(patches), "patch tokens");
    }

    [TestMethod]
    [DataRow(ModelPooling.MaskedMean, 112, 3, DisplayName = "pretraining grid, batch 3")]
    [DataRow(ModelPooling.PaddedMean, 84, 2, DisplayName = "84 px, batch 2")]
    public void PatchSentenceSimilarityMatchesTheModel(ModelPooling pooling, int imageSize, int batch)
    {
        using var scope = NewDisposeScope();
        var config = Config(4, pooling);
        using var model = Build(config, seed: 300 + imageSize);
        // Batch-norm statistics away from 0/1, so folding them into the heads matters.
        using (no_grad())
            foreach (var (name, buffer) in model.named_buffers())
            {
                if (name.EndsWith("running_mean", StringComparison.Ordinal)) buffer.copy_(randn_like(buffer) * 0.3);
                else if (name.EndsWith("running_var", StringComparison.Ordinal)) buffer.copy_(rand_like(buffer) + 0.5);
            }
        foreach (var (name, p) in model.named_parameters())
            if (name.Contains("local_embed.head.1.", StringComparison.Ordinal))
                using (no_grad()) p.copy_(randn_like(p) * 0.5 + (name.EndsWith("weight", StringComparison.Ordinal) ? 1 : 0));

        // Captions of different lengths with 1 to 3 sentences (sep tokens), right-padded.
        const int length = 20;
        var (ids, mask) = SentenceCaptions.Make(config, batch, length, seed: 7);
        var idTensor = tensor(ids, [batch, length]);
        var maskTensor = tensor(mask, [batch, length]);
        var pixels = randn(batch, 3, imageSize, imageSize);
        using var expected = model.ComputePatchSentenceSimilarity(pixels, idTensor, maskTensor);
        var (positions, sentenceMask) = MaMABatch.FindSentences(idTensor, config.SeparatorTokenId);
        long sentences = positions.shape[1];
        Assert.AreEqual((long)Math.Min(batch, 3), sentences);

        var graph = MaMAModelOnnxExporter.ExportPatchSentenceSimilarity(model, imageSize);
        var outputs = OrtRunner.Run(graph,
            (MamaOnnxExporter.PixelsInput, Floats(pixels), [batch, 3, imageSize, imageSize]),
            (MamaOnnxExporter.InputIdsInput, ids, [batch, length]),
            (MamaOnnxExporter.AttentionMaskInput, mask, [batch, length]),
            (MaMAModelOnnxExporter.SentencePositionsInput, positions.to(ScalarType.Int64).data<long>().ToArray(), [batch, sentences]),
            (MaMAModelOnnxExporter.SentenceMaskInput, sentenceMask.to(ScalarType.Int64).data<long>().ToArray(), [batch, sentences]));

        var similarity = outputs[MaMAModelOnnxExporter.SimilarityOutput];
        long patches = (imageSize / 14) * (imageSize / 14);
        CollectionAssert.AreEqual(new[] { batch, patches, sentences }, similarity.Shape);
        Tolerance.AssertClose(similarity.Values, Doubles(expected.Similarity), "patch-sentence similarity");
        Assert.IsGreaterThan(0.05, Doubles(expected.Similarity).Max(Math.Abs), "non-trivial similarities");
    }

    [TestMethod]
    public void ImageEncoderWithAFeatureNormIsExportedWithTheNormFolded()
    {
        using var scope = NewDisposeScope();
        var config = Config(4) with { GlobalImageFeatureNorm = true };
        using var model = Build(config, seed: 120);
        var norm = model.ImageEncoder.GlobalNorm!;
        using (no_grad())
        {
            norm.Weight.copy_(rand_like(norm.Weight) + 0.5);
            norm.Bias.copy_(randn_like(norm.Bias) * 0.3);
        }
        model.RecalibrateImageFeatureNorm([randn(6, 3, 56, 56) * 0.3 + 0.2]);
        model.eval();
        var pixels = randn(5, 3, 56, 56);
        using var encoding = model.EncodeImages(pixels);

        var graph = MaMAModelOnnxExporter.ExportImageEncoder(model, 56);
        var outputs = OrtRunner.Run(graph, (MamaOnnxExporter.PixelsInput, Floats(pixels), [5, 3, 56, 56]));
        Tolerance.AssertClose(outputs[MamaOnnxExporter.EmbeddingOutput].Values, Doubles(encoding.Embedding), "embedding");

        // The raw exporter on the state dict would drop the norm: it refuses instead.
        var error = Assert.ThrowsExactly<OnnxExportException>(() => MamaOnnxExporter.ExportImageEncoder(
            new WeightSet(model.state_dict(), MaMAParameterNames.ImageBackbone), MaMAExportConfigs.Vit(config, 56, 56),
            projectionName: MaMAParameterNames.ImageGlobalProjection));
        StringAssert.Contains(error.Message, "global_norm");
    }

    [TestMethod]
    [DataRow(ModelPooling.MaskedMean, 1, DisplayName = "masked mean, batch 1")]
    [DataRow(ModelPooling.MaskedMean, 5, DisplayName = "masked mean, batch 5")]
    [DataRow(ModelPooling.PaddedMean, 5, DisplayName = "padded mean (reference), batch 5")]
    public void TextEncoderWithMergedLoraMatchesTheModel(ModelPooling pooling, int batch)
    {
        using var scope = NewDisposeScope();
        var config = Config(4, pooling);
        using var model = Build(config, seed: 200 + batch);
        Assert.IsFalse(model.HasMergedAdapters, "the model runs LoRA as its own path; the graph has it merged");
        const int length = 40;
        var rng = new Random(batch);
        var ids = new long[batch * length];
        var mask = new long[batch * length];
        for (int b = 0; b < batch; b++)
        {
            int real = b == 0 ? length : 5 + rng.Next(length - 5); // one full row, the others right-padded
            for (int t = 0; t < length; t++)
            {
                ids[b * length + t] = t < real ? rng.Next(config.TextVocabSize) : config.Text.VocabSize + 1;
                mask[b * length + t] = t < real ? 1 : 0;
            }
        }
        var expected = model.EncodeTexts(tensor(ids, [batch, length]), tensor(mask, [batch, length]));

        var graph = MamaOnnxExporter.ExportTextEncoder(new WeightSet(model.state_dict(), MaMAParameterNames.TextBackbone),
            MaMAExportConfigs.Gpt2(config), projectionName: MaMAParameterNames.TextGlobalProjection);
        var outputs = OrtRunner.Run(graph,
            (MamaOnnxExporter.InputIdsInput, ids, [batch, length]), (MamaOnnxExporter.AttentionMaskInput, mask, [batch, length]));
        Tolerance.AssertClose(outputs[MamaOnnxExporter.EmbeddingOutput].Values, Doubles(expected), "text embedding");
    }

    [TestMethod]
    public void ZeroShotClassifierMatchesTheModelsScores()
    {
        using var scope = NewDisposeScope();
        var config = Config(4);
        using var model = Build(config, seed: 300);
        using (no_grad()) model.Scales.LogitScale.fill_(2.0);
        var classIds = randint(0, config.Text.VocabSize, [3, 12], dtype: ScalarType.Int64);
        var classTexts = model.EncodeTexts(classIds, ones_like(classIds));
        var pixels = randn(5, 3, 56, 70);
        using var image = model.EncodeImages(pixels);
        var logits = image.Embedding.matmul(classTexts.t()) * Math.Exp(2.0);
        var probabilities = logits.softmax(1);

        var graph = MamaOnnxExporter.ExportZeroShotClassifier(new WeightSet(model.state_dict(), MaMAParameterNames.ImageBackbone),
            MaMAExportConfigs.Vit(config, 56, 70), classTexts, model.Scales.LogitScale.item<float>(), ["A", "B", "C"],
            projectionName: MaMAParameterNames.ImageGlobalProjection);
        var outputs = OrtRunner.Run(graph, (MamaOnnxExporter.PixelsInput, Floats(pixels), [5, 3, 56, 70]));
        // Logits are exp(2) ~ 7.4 times the cosines, so their bound scales with it.
        Tolerance.AssertClose(outputs[MamaOnnxExporter.LogitsOutput].Values, Doubles(logits), "logits", Tolerance.Parity * Math.Exp(2.0));
        Tolerance.AssertClose(outputs[MamaOnnxExporter.ProbabilitiesOutput].Values, Doubles(probabilities), "probabilities");
    }
}
