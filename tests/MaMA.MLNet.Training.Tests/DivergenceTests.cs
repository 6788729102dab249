using MaMA.MLNet.Training.Tests.Toy;

namespace MaMA.MLNet.Training.Tests;

[TestClass]
public sealed class DivergenceTests
{
    [TestMethod]
    public void ANaNLossStopsTrainingAndKeepsTheLastGoodCheckpoint()
    {
        using var temp = new TempFolder();
        string folder = temp.Sub("ckpt");
        // Micro-batch 9 belongs to step 4 (2 micro-batches a step); checkpoints every 2 steps.
        var trainer = new PretrainingTrainer<ToyPrepared, ToyBatch>(Toys.Objective(), new ToyData { NaNAtSequence = 9 },
            Toys.Options(8) with { CheckpointDirectory = folder, CheckpointEvery = 2 });
        var error = Assert.ThrowsExactly<TrainingDivergedException>(() => trainer.Run());

        Assert.AreEqual(4, error.Step);
        StringAssert.Contains(error.What, "mse");
        var store = new CheckpointStore(folder, 1);
        Assert.AreEqual(store.PathOf(4), error.LastGoodCheckpoint);
        Assert.AreEqual(4, store.List()[^1].Step);

        // The kept checkpoint is whole and finite: training resumes from it with clean data.
        var objective = Toys.Objective();
        var result = new PretrainingTrainer<ToyPrepared, ToyBatch>(objective, new ToyData(), Toys.Options(8)).Run(resumeFrom: folder);
        Assert.AreEqual(8, result.Step);
        Assert.IsTrue(objective.Net.Snapshot().Values.All(v => v.All(float.IsFinite)));
    }

    [TestMethod]
    public void ANaNGradientWithAFiniteLossStopsTraining()
    {
        var objective = new ToyObjective { NaNGradientAtStep = 2 };
        var trainer = new PretrainingTrainer<ToyPrepared, ToyBatch>(objective, new ToyData(), Toys.Options(5));
        var error = Assert.ThrowsExactly<TrainingDivergedException>(() => trainer.Run());
        Assert.AreEqual(2, error.Step);
        StringAssert.Contains(error.What, "gradient norm");
        Assert.IsNull(error.LastGoodCheckpoint);
        // The step was not applied: no weight became NaN.
        Assert.IsTrue(objective.Net.Snapshot().Values.All(v => v.All(float.IsFinite)));
    }
}
