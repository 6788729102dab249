using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Vision;
using MaMA.MLNet.Onnx.Tests.Support;
using static TorchSharp.torch;

namespace MaMA.MLNet.Onnx.Tests.Parity;

/// <summary>
/// The exported ResNet image encoder (batch norms folded into the convolutions, the input convention as Mul/Add)
/// against the TorchSharp model in ONNX Runtime: the same L2-normalised embedding within 1e-4.
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
        using var model = new MaMAModel(config);
        // Batch norms away from the identity, so folding them is what the test checks.
        using (no_grad())
            foreach (var (name, t) in model.state_dict())
                if (name.EndsWith("running_var", StringComparison.Ordinal) && name.StartsWith("img_encoder_q.model.", StringComparison.Ordinal)) t.copy_(rand_like(t) + 0.5);
                else if (name.StartsWith("img_encoder_q.model.", StringComparison.Ordinal) && (name.Contains("bn", StringComparison.Ordinal) || name.Contains("downsample.1", StringComparison.Ordinal)))
                    t.copy_(randn_like(t) * 0.3 + (name.EndsWith(".weight", StringComparison.Ordinal) ? 1 : 0));
        model.eval();
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
    public void SidesThatAreNotMultiplesOf32AreAnExportError()
    {
        var config = MaMAConfig.ResNet18ImageNet with { ResNet = ResNetConfig.ResNet18ImageNet with { StemWidth = 8, Stages = new(1, 1, 1, 1) } };
        using var model = new MaMAModel(config);
        var e = Assert.ThrowsExactly<OnnxExportException>(() => MaMAModelOnnxExporter.ExportImageEncoder(model, 100));
        StringAssert.Contains(e.Message, "multiple of the ResNet's stride 32");
    }
}
