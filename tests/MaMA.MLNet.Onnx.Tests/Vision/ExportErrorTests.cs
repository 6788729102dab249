using MaMA.MLNet.Onnx.Tests.Support;
using MaMA.MLNet.Onnx.Text;
using MaMA.MLNet.Onnx.Vision;
using MaMA.MLNet.Onnx.Weights;
using static TorchSharp.torch;

namespace MaMA.MLNet.Onnx.Tests.Vision;

/// <summary>Weights that do not fit the configuration give an error naming the weight, never a broken graph.</summary>
[TestClass]
public sealed class ExportErrorTests
{
    private static readonly VitExportConfig Vit = new() { EmbedDim = 32, Depth = 2, NumHeads = 4, RegisterCount = 4, ImageHeight = 28, ImageWidth = 28 };

    private static string ImageError(VitExportConfig config, Action<Dictionary<string, Tensor>> edit)
    {
        using var scope = NewDisposeScope();
        using var weights = RandomWeights.Vit(Vit, 2, 16, seed: 2);
        var tensors = new Dictionary<string, Tensor>(weights.Tensors);
        edit(tensors);
        return Assert.ThrowsExactly<OnnxExportException>(() => MamaOnnxExporter.ExportImageEncoder(new WeightSet(tensors), config)).Message;
    }

    [TestMethod]
    public void MissingWeightIsNamed() =>
        StringAssert.Contains(ImageError(Vit, t => t.Remove("blocks.1.attn.proj.bias")), "'blocks.1.attn.proj.bias' is missing");

    [TestMethod]
    public void MisShapedWeightIsNamedWithBothShapes()
    {
        string message = ImageError(Vit, t => t["blocks.0.mlp.fc1.weight"] = zeros(64, 32));
        StringAssert.Contains(message, "blocks.0.mlp.fc1.weight");
        StringAssert.Contains(message, "[64,32]");
        StringAssert.Contains(message, "[128,32]");
    }

    [TestMethod]
    public void ConfigurationThatDisagreesWithTheWeightsIsRejected()
    {
        StringAssert.Contains(ImageError(Vit with { RegisterCount = 0 }, _ => { }), "register_tokens");
        StringAssert.Contains(ImageError(Vit with { Depth = 1 }, _ => { }), "more than 1 blocks");
        StringAssert.Contains(ImageError(Vit with { LayerScale = false }, _ => { }), "ls1.gamma");
        StringAssert.Contains(ImageError(Vit with { ImageWidth = 30 }, _ => { }), "28x30");
        StringAssert.Contains(ImageError(Vit with { NumHeads = 5 }, _ => { }), "5 heads");
    }

    [TestMethod]
    public void ExporterMetadataKeysCannotBeOverridden()
    {
        using var scope = NewDisposeScope();
        using var weights = RandomWeights.Vit(Vit, 2, 16, seed: 2);
        var options = new OnnxExportOptions { Metadata = new Dictionary<string, string> { [OnnxMetadataKeys.ModelKind] = "x" } };
        Assert.ThrowsExactly<OnnxExportException>(() => MamaOnnxExporter.ExportImageEncoder(new WeightSet(weights.Tensors), Vit, options: options));
    }

    [TestMethod]
    public void ExportedMetadataDescribesTheModel()
    {
        using var scope = NewDisposeScope();
        using var weights = RandomWeights.Vit(Vit, 2, 16, seed: 2);
        var options = new OnnxExportOptions { Metadata = new Dictionary<string, string> { ["source"] = "unit test" } };
        var model = MamaOnnxExporter.ExportZeroShotClassifier(new WeightSet(weights.Tensors), Vit, ones(2, 16), 1.0, ["fatty", "dense"], options);
        var meta = model.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.AreEqual("zero_shot_classifier", meta[OnnxMetadataKeys.ModelKind]);
        Assert.AreEqual("[\"fatty\",\"dense\"]", meta[OnnxMetadataKeys.ClassNames]);
        Assert.AreEqual("16", meta[OnnxMetadataKeys.EmbeddingSize]);
        Assert.AreEqual(MamaOnnxExporter.LibraryVersion, meta[OnnxMetadataKeys.LibraryVersion]);
        Assert.AreEqual("unit test", meta["source"]);
        using var pre = System.Text.Json.JsonDocument.Parse(meta[OnnxMetadataKeys.Preprocessing]);
        Assert.AreEqual(28, pre.RootElement.GetProperty("height").GetInt32());
        Assert.AreEqual(0.5, pre.RootElement.GetProperty("std")[0].GetDouble(), 1e-9);
    }

    [TestMethod]
    public void TextWeightsWithTooFewPositionsAreRejected()
    {
        var config = new Gpt2ExportConfig { EmbedDim = 32, Depth = 1, NumHeads = 4, VocabSize = 100, MaxPositions = 24 };
        using var scope = NewDisposeScope();
        using var weights = RandomWeights.Gpt2(config, 16, seed: 3, loraRank: null);
        var e = Assert.ThrowsExactly<OnnxExportException>(() =>
            MamaOnnxExporter.ExportTextEncoder(new WeightSet(weights.Tensors), config with { MaxPositions = 32 }));
        StringAssert.Contains(e.Message, "wpe.weight");
    }
}
