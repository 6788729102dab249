using MaMA.MLNet.Training.Tests.Toy;
using static TorchSharp.torch;

namespace MaMA.MLNet.Training.Tests;

/// <summary>Parameter groups trained at a multiple of the learning rate (<see cref="TrainerOptions.LearningRateScales"/>).</summary>
[TestClass]
public sealed class LearningRateScaleTests
{
    // One step at the peak rate, no weight decay, no dropout: AdamW's first update is lr * g / (|g| + eps) per element
    // (both moments are bias-corrected to g and g^2), so a parameter's largest change is its group's rate.
    private static TrainerOptions OneStep(params LearningRateScale[] scales) => Toys.Options(1) with
    {
        WarmupSteps = 0,
        WeightDecay = 0,
        AccumulationSteps = 1,
        LearningRateScales = scales,
    };

    private static double LargestChange(float[] before, float[] after) => before.Zip(after, (b, a) => Math.Abs((double)a - b)).Max();

    [TestMethod]
    public void AScaledGroupMovesByItsMultipleOfTheRateOnTheFirstStep()
    {
        var objective = Toys.Objective(dropout: 0, lateStart: 0);
        var before = objective.Net.Snapshot();
        var groups = new List<IReadOnlyList<(string Name, double LearningRate, double WeightDecay, IReadOnlyList<string> Parameters)>>();
        PretrainingTrainer<ToyPrepared, ToyBatch>? trainer = null;
        trainer = new PretrainingTrainer<ToyPrepared, ToyBatch>(objective, new ToyData(), OneStep(new LearningRateScale("head", 0.1, ["fc2"])),
            progress: new SyncProgress(_ => groups.Add(trainer!.OptimizerGroups)));
        trainer.Run();
        var after = objective.Net.Snapshot();

        double lr = Toys.Options(1).LearningRate;
        Assert.AreEqual(lr, LargestChange(before["fc1.weight"], after["fc1.weight"]), lr * 1e-3, "fc1 trains at 1x");
        Assert.AreEqual(0.1 * lr, LargestChange(before["fc2.weight"], after["fc2.weight"]), lr * 1e-4, "fc2.weight trains at 0.1x");
        Assert.AreEqual(0.1 * lr, LargestChange(before["fc2.bias"], after["fc2.bias"]), lr * 1e-4, "fc2.bias trains at 0.1x");

        // The optimiser's groups as the trainer reports them during the run: the scaled pair after the default pair.
        var seen = groups.Single();
        CollectionAssert.AreEqual(new[] { "decay", "no_decay", "head.decay", "head.no_decay" }, seen.Select(g => g.Name).ToArray());
        Assert.AreEqual(0.1, seen[2].LearningRate / seen[0].LearningRate, 1e-12);
        Assert.AreEqual(0.1, seen[3].LearningRate / seen[1].LearningRate, 1e-12);
        CollectionAssert.AreEqual(new[] { "fc2.weight" }, seen[2].Parameters.ToArray());
        CollectionAssert.AreEqual(new[] { "fc2.bias" }, seen[3].Parameters.ToArray());
        Assert.IsFalse(seen[0].Parameters.Contains("fc2.weight"));
    }

    [TestMethod]
    public void WithoutScalesTheOptimiserKeepsItsTwoGroups()
    {
        var objective = Toys.Objective(dropout: 0, lateStart: 0);
        var names = new List<string[]>();
        PretrainingTrainer<ToyPrepared, ToyBatch>? trainer = null;
        trainer = new PretrainingTrainer<ToyPrepared, ToyBatch>(objective, new ToyData(), OneStep(),
            progress: new SyncProgress(_ => names.Add([.. trainer!.OptimizerGroups.Select(g => g.Name)])));
        trainer.Run();
        CollectionAssert.AreEqual(new[] { "decay", "no_decay" }, names.Single());
    }

    [TestMethod]
    public void UnknownAndOverlappingGroupsAreClearErrors()
    {
        var unknown = new PretrainingTrainer<ToyPrepared, ToyBatch>(Toys.Objective(), new ToyData(), OneStep(new LearningRateScale("image", 0.1, ["img_encoder"])));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => unknown.Run()).Message, "img_encoder");

        var overlap = new PretrainingTrainer<ToyPrepared, ToyBatch>(Toys.Objective(), new ToyData(),
            OneStep(new LearningRateScale("a", 0.1, ["fc1"]), new LearningRateScale("b", 0.5, ["fc1.weight"])));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => overlap.Run()).Message, "fc1.weight");

        var error = Assert.ThrowsExactly<ArgumentException>(() =>
            new PretrainingTrainer<ToyPrepared, ToyBatch>(Toys.Objective(), new ToyData(), OneStep(new LearningRateScale("a", 0, ["fc1"]))));
        Assert.AreEqual(nameof(TrainerOptions.LearningRateScales), error.ParamName);
    }
}
