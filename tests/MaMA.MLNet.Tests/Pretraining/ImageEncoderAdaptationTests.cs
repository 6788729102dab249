using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Vision;
using MaMA.MLNet.Pretraining;
using MaMA.MLNet.Samples;
using MaMA.MLNet.Tests.Components.Support;
using static TorchSharp.torch;

namespace MaMA.MLNet.Tests.Pretraining;

/// <summary>
/// How much of a pretrained image encoder adapts: <see cref="MaMAPretrainingOptions.FreezeImageStages"/> and
/// <see cref="MaMAPretrainingOptions.ImageLearningRateScale"/>, on a small ResNet through a real pretraining run.
/// </summary>
[TestClass]
public sealed class ImageEncoderAdaptationTests
{
    private const long Seed = 9;
    private const double LearningRate = 1e-3;
    private const string Backbone = "img_encoder_q.model.";

    private static MaMAConfig Config => TinyMaMAModel.Config(64) with
    {
        ImageEncoder = ImageEncoderKind.ResNet,
        ResNet = new ResNetConfig { StemWidth = 8, Stages = new(1, 1, 1, 1), ImageSize = 64 },
    };

    // One step at the peak rate with every loss on; returns the weights before and after.
    private static (Dictionary<string, float[]> Before, Dictionary<string, float[]> After) OneStep(int frozenStages, double imageScale)
    {
        var options = new MaMAPretrainingOptions
        {
            Config = Config,
            TokenizerDirectory = PretrainingFixture.TokenizerDirectory,
            OutputDirectory = PretrainingFixture.NewOutputFolder("adaptation"),
            Steps = 1,
            BatchSize = 4,
            LearningRate = LearningRate,
            WarmupSteps = 0,
            LateStartStep = 0,
            CheckpointEvery = 0,
            PrefetchWorkers = 1,
            Seed = Seed,
            FreezeImageStages = frozenStages,
            ImageLearningRateScale = imageScale,
        };
        // The run builds its model after seeding with the run's seed: the same seed here gives its starting weights.
        TorchRuntime.Seed(Seed);
        Dictionary<string, float[]> before;
        using (var start = new MaMAModel(options.ResolveConfig())) before = Weights(start);
        var result = MaMAPretraining.Run(PretrainingFixture.Records, options);
        using var trained = MaMAModelDirectory.Load(result.ModelDirectory).Model;
        return (before, Weights(trained));
    }

    private static Dictionary<string, float[]> Weights(MaMAModel model) =>
        model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().to_type(ScalarType.Float32).data<float>().ToArray(), StringComparer.Ordinal);

    private static double LargestChange(float[] before, float[] after) => before.Zip(after, (b, a) => Math.Abs((double)a - b)).Max();

    [TestMethod]
    public void FrozenStagesKeepTheirWeightsWhileLaterStagesAndHeadsTrain()
    {
        var (before, after) = OneStep(frozenStages: 2, imageScale: 1);
        var frozen = before.Keys.Where(n => n.StartsWith(Backbone + "conv1", StringComparison.Ordinal) || n.StartsWith(Backbone + "bn1", StringComparison.Ordinal)
            || n.StartsWith(Backbone + "layer1.", StringComparison.Ordinal)).ToList();
        CollectionAssert.IsSubsetOf(new[] { Backbone + "conv1.weight", Backbone + "bn1.weight", Backbone + "bn1.bias", Backbone + "layer1.0.conv2.weight" }, frozen);
        foreach (string name in frozen)
            CollectionAssert.AreEqual(before[name], after[name], $"{name} is in a frozen stage");
        foreach (string name in new[] { Backbone + "layer2.0.conv1.weight", Backbone + "layer4.0.bn2.bias", "img_encoder_q.global_embed.weight" })
            Assert.IsGreaterThan(0.0, LargestChange(before[name], after[name]), $"{name} trains");
    }

    [TestMethod]
    public void TheImageBackboneTrainsAtItsScaleOfTheRateAndTheHeadsAtFullRate()
    {
        // AdamW's first step moves a parameter without weight decay by at most its rate (lr * g / (|g| + eps)):
        // the backbone's batch-norm biases and the heads' biases are such parameters (biases sit near 0, where float32
        // resolves a change of 1e-4 far better than near the norm weights' 1).
        var (before, after) = OneStep(frozenStages: 0, imageScale: 0.1);
        Assert.AreEqual(0.1 * LearningRate, LargestChange(before[Backbone + "layer4.0.bn2.bias"], after[Backbone + "layer4.0.bn2.bias"]), 1e-5 * LearningRate);
        Assert.AreEqual(0.1 * LearningRate, LargestChange(before[Backbone + "bn1.bias"], after[Backbone + "bn1.bias"]), 1e-5 * LearningRate);
        Assert.AreEqual(LearningRate, LargestChange(before["img_encoder_q.global_embed.bias"], after["img_encoder_q.global_embed.bias"]), 1e-4 * LearningRate);
    }

    [TestMethod]
    public void StageFreezingNeedsAResNetAndAStageCountInRange()
    {
        var vit = new MaMAPretrainingOptions { Config = TinyMaMAModel.Config(), OutputDirectory = "unused", FreezeImageStages = 1 };
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(vit.Validate).Message, "ResNet");
        var tooMany = new MaMAPretrainingOptions { Config = Config, OutputDirectory = "unused", FreezeImageStages = ResNet.StageCount + 1 };
        Assert.AreEqual(nameof(MaMAPretrainingOptions.FreezeImageStages), Assert.ThrowsExactly<ArgumentException>(tooMany.Validate).ParamName);
        var zero = new MaMAPretrainingOptions { Config = Config, OutputDirectory = "unused", ImageLearningRateScale = 0 };
        Assert.AreEqual(nameof(MaMAPretrainingOptions.ImageLearningRateScale), Assert.ThrowsExactly<ArgumentException>(zero.Validate).ParamName);
    }
}
