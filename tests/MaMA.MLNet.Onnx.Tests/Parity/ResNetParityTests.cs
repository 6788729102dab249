using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Vision;
using MaMA.MLNet.Onnx.Tests.Support;
using MaMA.MLNet.Onnx.Weights;
using static TorchSharp.torch;

namespace MaMA.MLNet.Onnx.Tests.Parity;

/// <summary>
/// The exported ResNet image encoder (batch norms folded into the convolutions, the input convention as Mul/Add)
/// against the TorchSharp model in ONNX Runtime: the same L2-normalised embedding within 1e-4; a linear head and a
/// zero-shot classifier on it against the same computation in float64; the patch-sentence similarity on the last
/// feature map's cells against <see cref="MaMAModel.ComputePatchSentenceSimilarity"/>.
/// </summary>
[TestClass]
public sealed class ResNetParityTests
{
    [TestMethod]
    [DataRow(true, 1, 4, DisplayName = "BGR, 1-1-1-2 blocks, batch 4")]
    [DataRow(false, 2, 1, DisplayName = "RGB with torchvision's mean and std, 2-1-1-1 blocks, batch 1")]
    public void ImageEncoderMatchesTheModel(bool bgr, int firstStageBlocks, int batch)
    {
        using var scope = NewDisposeScope();
        using var model = Model(bgr, firstStageBlocks);
        var pixels = rand([batch, 3, 96, 96], generator: new Generator(22)) * 2 - 1;
        if (!bgr) pixels[.., 0] = pixels[.., 0] * 0.5;   // colour: channels differ, so a wrong channel order would show
        var expected = model.EncodeImages(pixels).Embedding;

        var graph = MaMAModelOnnxExporter.ExportImageEncoder(model, 96);
        var outputs = OrtRunner.Run(graph, (MamaOnnxExporter.PixelsInput, pixels.contiguous().data<float>().ToArray(), [batch, 3, 96, 96]));
        var actual = outputs[MamaOnnxExporter.EmbeddingOutput];
        CollectionAssert.AreEqual(new long[] { batch, 32 }, actual.Shape);
        Tolerance.AssertClose(actual.Values, expected.to(ScalarType.Float64).data<double>().ToArray(), "embedding");
    }

    [TestMethod]
    public void ALinearHeadOnTheResNetMatchesTheModel()
    {
        using var scope = NewDisposeScope();
        using var model = Model(bgr: true, firstStageBlocks: 1);
        var pixels = rand([3, 3, 64, 64], generator: new Generator(23)) * 2 - 1;
        var weight = randn(new long[] { 4, model.Config.ImageFeatureWidth }, generator: new Generator(24)) * 0.2;
        var bias = randn(new long[] { 4 }, generator: new Generator(25));
        // The reference: softmax of the head on the pooled feature, computed here in float64.
        var pooled = model.EncodeImages(pixels).PooledFeature.to(ScalarType.Float64);
        var expected = nn.functional.softmax(nn.functional.linear(pooled, weight.to(ScalarType.Float64), bias.to(ScalarType.Float64)), 1);

        var graph = MaMAModelOnnxExporter.ExportClassifier(model, weight, bias, ["a", "b", "c", "d"], 64);
        var outputs = OrtRunner.Run(graph, (MamaOnnxExporter.PixelsInput, pixels.contiguous().data<float>().ToArray(), [3, 3, 64, 64]));
        CollectionAssert.AreEqual(new long[] { 3, 4 }, outputs[MamaOnnxExporter.ProbabilitiesOutput].Shape);
        Tolerance.AssertClose(outputs[MamaOnnxExporter.ProbabilitiesOutput].Values, expected.data<double>().ToArray(), "probabilities");
    }

    [TestMethod]
    public void AZeroShotClassifierOnTheResNetMatchesTheModel()
    {
        using var scope = NewDisposeScope();
        using var model = Model(bgr: false, firstStageBlocks: 2);
        var pixels = rand([2, 3, 64, 64], generator: new Generator(26)) * 2 - 1;
        var classTexts = randn(new long[] { 3, 32 }, generator: new Generator(27));
        double logScale = Math.Log(1 / 0.07);
        // The reference: exp(scale) * cosine of the image embedding with each class text embedding, softmax.
        var image = model.EncodeImages(pixels).Embedding.to(ScalarType.Float64);
        var texts = nn.functional.normalize(classTexts.to(ScalarType.Float64), p: 2, dim: 1);
        var expected = nn.functional.softmax(image.matmul(texts.t()) * Math.Exp(logScale), 1);

        var (projection, projectionBias) = model.ImageEncoder.FoldedGlobalProjection();
        var withProjection = model.state_dict().Where(kv => kv.Key.StartsWith(MaMAParameterNames.ImageBackbone, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[MaMAParameterNames.ImageBackbone.Length..], kv => kv.Value);
        withProjection["global_proj.weight"] = projection;
        withProjection["global_proj.bias"] = projectionBias;
        var graph = MamaOnnxExporter.ExportResNetZeroShotClassifier(new WeightSet(withProjection), model.Config.ResNet!, 64, classTexts, logScale, ["x", "y", "z"]);
        var outputs = OrtRunner.Run(graph, (MamaOnnxExporter.PixelsInput, pixels.contiguous().data<float>().ToArray(), [2, 3, 64, 64]));
        Tolerance.AssertClose(outputs[MamaOnnxExporter.ProbabilitiesOutput].Values, expected.data<double>().ToArray(), "probabilities");
    }

    [TestMethod]
    [DataRow(true, 96, 3, DisplayName = "BGR, 96 px (3 x 3 cells), batch 3")]
    [DataRow(false, 64, 2, DisplayName = "RGB, 64 px (2 x 2 cells), batch 2")]
    public void PatchSentenceSimilarityMatchesTheModel(bool bgr, int imageSize, int batch)
    {
        using var scope = NewDisposeScope();
        using var model = Model(bgr, firstStageBlocks: 1);
        // The local heads' batch norms away from the identity, so folding them is checked too.
        using (no_grad())
            foreach (var (name, t) in model.state_dict())
                if (name.Contains("local_embed", StringComparison.Ordinal) && name.EndsWith("running_var", StringComparison.Ordinal)) t.copy_(rand_like(t) + 0.5);
                else if (name.Contains("local_embed", StringComparison.Ordinal) && name.EndsWith("running_mean", StringComparison.Ordinal)) t.copy_(randn_like(t) * 0.3);
        var config = model.Config;
        // Captions of different lengths with 1 to 3 sentences (sep tokens), right-padded.
        const int length = 20;
        var (ids, mask) = SentenceCaptions.Make(config, batch, length, seed: imageSize);
        var idTensor = tensor(ids, [batch, length]);
        var maskTensor = tensor(mask, [batch, length]);
        var pixels = rand([batch, 3, imageSize, imageSize], generator: new Generator(28)) * 2 - 1;
        using var expected = model.ComputePatchSentenceSimilarity(pixels, idTensor, maskTensor);
        long cells = (imageSize / 32) * (imageSize / 32);
        Assert.AreEqual(cells, expected.GridHeight * expected.GridWidth, "the model's grid is the last feature map");
        var (positions, sentenceMask) = MaMABatch.FindSentences(idTensor, config.SeparatorTokenId);
        long sentences = positions.shape[1];

        var graph = MaMAModelOnnxExporter.ExportPatchSentenceSimilarity(model, imageSize);
        var outputs = OrtRunner.Run(graph,
            (MamaOnnxExporter.PixelsInput, pixels.contiguous().data<float>().ToArray(), [batch, 3, imageSize, imageSize]),
            (MamaOnnxExporter.InputIdsInput, ids, [batch, length]),
            (MamaOnnxExporter.AttentionMaskInput, mask, [batch, length]),
            (MaMAModelOnnxExporter.SentencePositionsInput, positions.to(ScalarType.Int64).data<long>().ToArray(), [batch, sentences]),
            (MaMAModelOnnxExporter.SentenceMaskInput, sentenceMask.to(ScalarType.Int64).data<long>().ToArray(), [batch, sentences]));

        var similarity = outputs[MaMAModelOnnxExporter.SimilarityOutput];
        CollectionAssert.AreEqual(new[] { batch, cells, sentences }, similarity.Shape);
        var reference = expected.Similarity.to(ScalarType.Float64).contiguous().data<double>().ToArray();
        Tolerance.AssertClose(similarity.Values, reference, "patch-sentence similarity");
        // Cells differ from each other, so a wrong cell order (columns for rows) would show.
        var first = expected.Similarity[0, .., 0];
        Assert.IsGreaterThan(1e-3, (first.max() - first.min()).item<float>(), "the cells' similarities differ");
    }

    private static MaMAModel Model(bool bgr, int firstStageBlocks)
    {
        var resNet = bgr
            ? ResNetConfig.ResNet18ImageNet with { StemWidth = 8, Stages = new(1, 1, 1, 2), ImageSize = 64 }
            : new ResNetConfig { StemWidth = 8, Stages = new(firstStageBlocks, 1, 1, 1), ImageSize = 64 };
        var config = MaMAConfig.Tiny with
        {
            ImageEncoder = ImageEncoderKind.ResNet,
            ResNet = resNet,
            Text = MaMAConfig.Tiny.Text with { VocabSize = 300, ContextLength = 40 },
            TextMaxLength = 40,
            EmbeddingSize = 32,
            LocalProjectionHidden = 48,
        };
        TorchRuntime.Seed(21);
        var model = new MaMAModel(config);
        // Batch norms away from the identity, so folding them is what the test checks.
        using (no_grad())
            foreach (var (name, t) in model.state_dict())
                if (name.EndsWith("running_var", StringComparison.Ordinal) && name.StartsWith("img_encoder_q.model.", StringComparison.Ordinal)) t.copy_(rand_like(t) + 0.5);
                else if (name.StartsWith("img_encoder_q.model.", StringComparison.Ordinal) && (name.Contains("bn", StringComparison.Ordinal) || name.Contains("downsample.1", StringComparison.Ordinal)))
                    t.copy_(randn_like(t) * 0.3 + (name.EndsWith(".weight", StringComparison.Ordinal) ? 1 : 0));
        model.eval();
        return model;
    }

    [TestMethod]
    public void SidesThatAreNotMultiplesOf32AreAnExportError()
    {
        var config = MaMAConfig.ResNet18ImageNet with { ResNet = ResNetConfig.ResNet18ImageNet with { StemWidth = 8, Stages = new(1, 1, 1, 1) } };
        using var model = new MaMAModel(config);
        var e = Assert.ThrowsExactly<OnnxExportException>(() => MaMAModelOnnxExporter.ExportImageEncoder(model, 100));
        StringAssert.Contains(e.Message, "multiple of the ResNet's stride 32");
    }
}
