using MaMA.MLNet.Cli.Commands;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Onnx.Weights;

namespace MaMA.MLNet.Cli.Tests;

/// <summary>
/// <c>mama pretrain --preset resnet18-imagenet</c> starts from the ImageNet weights the tool carries, and
/// <c>--freeze-image-stages</c> / <c>--image-lr-scale</c> reach the run (or are refused with the flag's name).
/// </summary>
[TestClass]
public sealed class PretrainImageNetResNetTests
{
    [TestMethod]
    public void TheResNetPresetStartsFromTheImageNetWeightsAndAFrozenBackboneKeepsThem()
    {
        string output = Path.Combine(CliFixture.Directory, "resnet-" + Guid.NewGuid().ToString("N")[..8]);
        // Every stage frozen: after a step the saved backbone must still be exactly the packaged ImageNet network.
        var run = CliProcess.Run("pretrain", "--manifest", CliFixture.Manifest, "--out", output, "--preset", "resnet18-imagenet",
            "--image-size", "64", "--batch-size", "2", "--steps", "1", "--warmup", "0", "--freeze-image-stages", "5");
        Assert.AreEqual(ExitCodes.Success, run.Code, run.Describe());

        using var saved = MaMAModelDirectory.Load(Path.Combine(output, "model")).Model;
        TorchRuntime.Seed(3);
        using var imageNet = new MaMAModel(saved.Config);
        ResNetOnnxWeights.LoadInto(imageNet, ImageEncoderChoice.PackagedResNet18());
        var expected = imageNet.state_dict();
        int compared = 0;
        foreach (var (name, tensor) in saved.state_dict())
        {
            if (!name.StartsWith(MaMAParameterNames.ImageBackbone, StringComparison.Ordinal)) continue;
            Assert.IsTrue(tensor.allclose(expected[name], rtol: 0, atol: 0), $"{name} is not the ImageNet weight");
            compared++;
        }
        Assert.IsGreaterThan(40, compared, "the backbone's tensors were compared");
    }

    [TestMethod]
    public void ByDefaultTheRecipeFreezesTheStemAndLayer1To3AndTrainsLayer4()
    {
        string output = Path.Combine(CliFixture.Directory, "resnet-default-" + Guid.NewGuid().ToString("N")[..8]);
        var run = CliProcess.Run("pretrain", "--manifest", CliFixture.Manifest, "--out", output, "--preset", "resnet18-imagenet",
            "--image-size", "64", "--batch-size", "2", "--steps", "1", "--warmup", "0");
        Assert.AreEqual(ExitCodes.Success, run.Code, run.Describe());

        using var saved = MaMAModelDirectory.Load(Path.Combine(output, "model")).Model;
        using var imageNet = new MaMAModel(saved.Config);
        ResNetOnnxWeights.LoadInto(imageNet, ImageEncoderChoice.PackagedResNet18());
        var expected = imageNet.state_dict();
        int frozenCompared = 0, layer4Moved = 0;
        foreach (var (name, tensor) in saved.state_dict())
        {
            if (!name.StartsWith(MaMAParameterNames.ImageBackbone, StringComparison.Ordinal) || !tensor.is_floating_point()) continue;
            bool same = tensor.allclose(expected[name], rtol: 0, atol: 0);
            if (name.Contains("layer4.", StringComparison.Ordinal)) { if (!same && name.EndsWith(".weight", StringComparison.Ordinal)) layer4Moved++; }
            else { Assert.IsTrue(same, $"{name} left its ImageNet weight: the stem and layer1-3 should be frozen by default"); frozenCompared++; }
        }
        Assert.IsGreaterThan(30, frozenCompared, "the frozen stages' tensors were compared");
        Assert.IsGreaterThan(0, layer4Moved, "layer4 trains");
    }

    [TestMethod]
    public void OutOfRangeAdaptationFlagsAreUsageErrors()
    {
        string output = Path.Combine(CliFixture.Directory, "flags-" + Guid.NewGuid().ToString("N")[..8]);
        var stages = CliProcess.Run("pretrain", "--manifest", CliFixture.Manifest, "--out", output, "--freeze-image-stages", "6");
        Assert.AreEqual(ExitCodes.Usage, stages.Code, stages.Describe());
        StringAssert.Contains(stages.Error, "--freeze-image-stages");
        var scale = CliProcess.Run("pretrain", "--manifest", CliFixture.Manifest, "--out", output, "--image-lr-scale", "0");
        Assert.AreEqual(ExitCodes.Usage, scale.Code, scale.Describe());
        StringAssert.Contains(scale.Error, "--image-lr-scale");
        // Stage freezing on the tiny preset's ViT: the options' own check, still a usage error naming the problem.
        var vit = CliProcess.Run("pretrain", "--manifest", CliFixture.Manifest, "--out", output, "--freeze-image-stages", "2");
        Assert.AreEqual(ExitCodes.Usage, vit.Code, vit.Describe());
        StringAssert.Contains(vit.Error, "ResNet");
    }
}
