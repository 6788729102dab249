using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Tests.MaMA;
using MaMA.MLNet.Modeling.Tests.TestSupport;
using MaMA.MLNet.Modeling.Vision;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MaMA.MLNet.Modeling.Tests.Vision;

[TestClass]
public sealed class ResNetTests
{
    // One block per stage, 8 stem channels, 64 px: every part of the network, built in milliseconds.
    private static readonly ResNetConfig Small = new() { StemWidth = 8, Stages = new(1, 1, 1, 1), ImageSize = 64 };

    private static MaMAConfig SmallMaMA => MaMATestModels.Small with { ImageEncoder = ImageEncoderKind.ResNet, ResNet = Small };

    [TestMethod]
    public void TorchvisionResNet18HasItsPublishedParameterCountWithoutTheClassifier()
    {
        // torchvision's resnet18 has 11,689,512 parameters; its fc layer 512 x 1000 + 1000 of them.
        long expected = 11_689_512 - (512 * 1000 + 1000);
        Assert.AreEqual(expected, new ResNetConfig().CountParameters());
        using var network = new ResNet(new ResNetConfig());
        Assert.AreEqual(expected, network.parameters().Sum(p => p.numel()));
    }

    [TestMethod]
    public void StateDictNamesAreTorchvisions()
    {
        using var network = new ResNet(Small with { Stages = new(2, 1, 1, 1) });
        var names = network.state_dict().Keys.ToHashSet();
        foreach (string name in new[]
                 {
                     "conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "layer1.0.conv1.weight",
                     "layer1.1.bn2.running_var", "layer2.0.downsample.0.weight", "layer2.0.downsample.1.running_mean", "layer4.0.conv2.weight",
                 })
            Assert.Contains(name, names);
        Assert.IsFalse(names.Any(n => n.StartsWith("layer1.0.downsample", StringComparison.Ordinal)), "the first stage keeps stride and width: no shortcut");
    }

    [TestMethod]
    public void ForwardMatchesAFunctionalReferenceAndPoolsTheLastMap()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(3);
        using var network = new ResNet(Small);
        using (no_grad())
            foreach (var (name, t) in network.state_dict())
                if (name.EndsWith("running_var", StringComparison.Ordinal)) t.copy_(rand_like(t) + 0.5);
                else if (name.Contains("bn", StringComparison.Ordinal) || name.Contains("downsample.1", StringComparison.Ordinal)) t.copy_(randn_like(t) * 0.3);
        network.to(ScalarType.Float64);
        network.eval();
        var pixels = MaMATestModels.Pixels(2, 64, 96, seed: 4).to(ScalarType.Float64);
        ImageBackboneOutput output;
        using (no_grad()) output = network.forward(pixels);

        var sd = network.state_dict();
        Tensor Norm(Tensor x, string p) =>
            (x - sd[p + ".running_mean"].reshape(1, -1, 1, 1)) / (sd[p + ".running_var"].reshape(1, -1, 1, 1) + 1e-5).sqrt()
            * sd[p + ".weight"].reshape(1, -1, 1, 1) + sd[p + ".bias"].reshape(1, -1, 1, 1);
        // MaMA's (v - 0.5) / 0.5 back to torchvision's (v - mean) / std.
        var mean = tensor(new[] { 0.485, 0.456, 0.406 }).reshape(1, 3, 1, 1);
        var std = tensor(new[] { 0.229, 0.224, 0.225 }).reshape(1, 3, 1, 1);
        var x = (pixels * 0.5 + 0.5 - mean) / std;
        x = F.relu(Norm(F.conv2d(x, sd["conv1.weight"], strides: [2, 2], padding: [3, 3]), "bn1"));
        x = F.max_pool2d(x, [3, 3], [2, 2], [1, 1]);
        for (int s = 1; s <= 4; s++)
        {
            string b = $"layer{s}.0";
            long stride = s == 1 ? 1 : 2;
            var y = F.relu(Norm(F.conv2d(x, sd[b + ".conv1.weight"], strides: [stride, stride], padding: [1, 1]), b + ".bn1"));
            y = Norm(F.conv2d(y, sd[b + ".conv2.weight"], padding: [1, 1]), b + ".bn2");
            var shortcut = s == 1 ? x : Norm(F.conv2d(x, sd[b + ".downsample.0.weight"], strides: [stride, stride]), b + ".downsample.1");
            x = F.relu(y + shortcut);
        }
        Assert.AreEqual(2L, output.GridHeight);
        Assert.AreEqual(3L, output.GridWidth);
        Numerics.AssertClose(x.flatten(2).transpose(1, 2), output.PatchTokens, 1e-10, "local features");
        Numerics.AssertClose(x.mean([2, 3]), output.PooledFeature, 1e-10, "pooled feature");
    }

    [TestMethod]
    public void SidesThatAreNotMultiplesOf32AreRejected()
    {
        using var network = new ResNet(Small);
        using var pixels = zeros(1, 3, 64, 70);
        var e = Assert.ThrowsExactly<ArgumentException>(() => network.forward(pixels));
        StringAssert.Contains(e.Message, "multiples of 32");
        Assert.ThrowsExactly<ArgumentException>(() => new ResNet(Small with { ImageSize = 100 }));
    }

    [TestMethod]
    public void BatchNormStatisticsStayFrozenInTrainingWhileTheAffineLearns()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(5);
        using var network = new ResNet(Small);
        var pixels = MaMATestModels.Pixels(4, 64, 64, seed: 6);
        network.eval();
        Tensor evalOut;
        using (no_grad()) evalOut = network.forward(pixels).PooledFeature.clone();
        network.train();
        var trainOut = network.forward(pixels).PooledFeature;
        Numerics.AssertClose(evalOut, trainOut, 0, "train mode uses the stored statistics");
        trainOut.sum().backward();
        var sd = network.state_dict();
        Assert.AreEqual(0.0, sd["bn1.running_mean"].abs().max().item<float>());
        Assert.AreEqual(1.0, sd["bn1.running_var"].max().item<float>());
        var bnWeight = network.named_parameters().Single(p => p.name == "layer2.0.bn1.weight").parameter;
        Assert.IsNotNull(bnWeight.grad);
        Assert.IsGreaterThan(0.0, bnWeight.grad.abs().sum().item<float>());
    }

    [TestMethod]
    public void FreezingStagesStopsExactlyTheirParametersFromTraining()
    {
        using var network = new ResNet(Small);
        var frozen = network.FreezeStages(2);
        var expected = network.named_parameters().Select(p => p.name)
            .Where(n => n.StartsWith("conv1.", StringComparison.Ordinal) || n.StartsWith("bn1.", StringComparison.Ordinal) || n.StartsWith("layer1.", StringComparison.Ordinal)).ToList();
        CollectionAssert.AreEquivalent(expected, frozen.ToList());
        foreach (var (name, p) in network.named_parameters())
            Assert.AreEqual(!expected.Contains(name), p.requires_grad, name);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => network.FreezeStages(ResNet.StageCount + 1));
        Assert.HasCount(0, ResNet.StagePrefixes(0));
    }

    [TestMethod]
    public void ActivationRecomputationCanBeSwitchedOnAMaMAModelWithAResNet()
    {
        // The ResNet keeps its activations; the text side recomputes. Setting it used to throw (the ViT was assumed).
        using var model = new MaMAModel(SmallMaMA);
        model.RecomputeActivations = true;
        Assert.IsTrue(model.RecomputeActivations);
        model.RecomputeActivations = false;
        Assert.IsFalse(model.RecomputeActivations);
    }

    [TestMethod]
    public void AMaMAModelWithAResNetTrainsAllLossesAndCountsItsParameters()
    {
        using var scope = NewDisposeScope();
        var config = SmallMaMA;
        using var model = MaMATestModels.Build(config, seed: 7);
        model.train();
        var pixels = MaMATestModels.Pixels(3, 64, 64, seed: 8);
        var (ids, mask) = MaMATestModels.Captions(config, [20, 32, 14], [2, 3, 1], 32, seed: 9);
        using var losses = model.ComputeLosses(MaMABatch.Create(pixels, pixels.flip(3), ids, mask, config.SeparatorTokenId));
        Assert.HasCount(4, losses.Terms);
        losses.Total.backward();
        foreach (string name in new[] { "img_encoder_q.model.conv1.weight", "img_encoder_q.model.layer4.0.conv2.weight", "img_encoder_q.local_embed.head.0.weight" })
        {
            var p = model.named_parameters().Single(x => x.name == name).parameter;
            Assert.IsNotNull(p.grad, name);
            Assert.IsGreaterThan(0.0, p.grad.abs().sum().item<float>(), name);
        }
        // Local alignment runs on the 2 x 2 cells of the last map.
        model.eval();
        var similarity = model.ComputePatchSentenceSimilarity(pixels, ids, mask);
        CollectionAssert.AreEqual(new long[] { 3, 4, 3 }, similarity.Similarity.shape);

        var counts = MaMAModel.CountParameters(config);
        Assert.AreEqual(model.named_parameters().Where(p => p.name.StartsWith("img_encoder_q.model.", StringComparison.Ordinal)).Sum(p => p.parameter.numel()), counts.ImageEncoder);
        Assert.AreEqual(model.parameters().Sum(p => p.numel()), counts.Total);
        Assert.AreEqual(model.TrainableParameters().Sum(p => p.Parameter.numel()), counts.Trainable);
        Assert.ThrowsExactly<InvalidOperationException>(() => model.ImageEncoder.Backbone);
    }

    [TestMethod]
    public void TheModelDirectoryRecordsTheEncoderKindAndReloadsIdentically()
    {
        using var scope = NewDisposeScope();
        string dir = Path.Combine(Path.GetTempPath(), $"mama-resnet-{Guid.NewGuid():N}");
        try
        {
            var config = SmallMaMA;
            using var model = MaMATestModels.Build(config, seed: 10);
            using (no_grad()) model.ImageEncoder.ResNetBackbone!.state_dict()["layer3.0.bn2.running_mean"].copy_(randn(32));
            model.eval();
            var pixels = MaMATestModels.Pixels(2, 64, 64, seed: 11);
            var expected = model.EncodeImages(pixels).PooledFeature;
            MaMAModelDirectory.Save(model, dir);
            StringAssert.Contains(File.ReadAllText(Path.Combine(dir, MaMAModelDirectory.ConfigFile)), "\"imageEncoder\": \"resNet\"");
            var loaded = MaMAModelDirectory.Load(dir);
            using var reloaded = loaded.Model;
            Assert.IsTrue(loaded.Report.IsClean, loaded.Report.ToString());
            Assert.AreEqual(config.ToJson(), reloaded.Config.ToJson());
            reloaded.eval();
            Assert.AreEqual(0.0, Numerics.MaxAbsDiff(expected, reloaded.EncodeImages(pixels).PooledFeature));
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    public void ConfigsWithoutAnEncoderKindAreVisionTransformersAndAResNetKindNeedsItsConfig()
    {
        var vit = MaMAConfig.FromJson(MaMAConfig.Tiny.ToJson().Replace("\"imageEncoder\": \"visionTransformer\",", "", StringComparison.Ordinal));
        Assert.AreEqual(ImageEncoderKind.VisionTransformer, vit.ImageEncoder);
        Assert.AreEqual(MaMAConfig.Tiny.ToJson(), vit.ToJson());
        Assert.DoesNotContain("resNet", MaMAConfig.Tiny.ToJson());
        var resNet = MaMAConfig.FromJson(MaMAConfig.ResNet18ImageNet.ToJson());
        Assert.AreEqual(ResNetConfig.ResNet18ImageNet, resNet.ResNet, "the ResNet part compares by value");
        Assert.AreEqual(ImageEncoderKind.ResNet, resNet.ImageEncoder);
        var e = Assert.ThrowsExactly<MaMAModelFormatException>(() => MaMAConfig.FromJson(MaMAConfig.Tiny.ToJson().Replace("\"visionTransformer\"", "\"resNet\"", StringComparison.Ordinal)));
        StringAssert.Contains(e.Message, "MaMAConfig.ResNet is missing");
        Assert.AreEqual(160, MaMAConfig.ResNet18ImageNet.WithImageSize(160).ImageSize);
        Assert.AreEqual(MaMAConfig.Tiny.Vision.ImageSize, MaMAConfig.ResNet18ImageNet.WithImageSize(160).Vision.ImageSize, "the ViT part is untouched");
    }
}
