using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Training.MaMA;
using static TorchSharp.torch;

namespace MaMA.MLNet.Training.Tests.MaMA;

[TestClass]
public sealed class MaMAObjectiveTests
{
    private static readonly string[] LatePrefixes =
        [MaMAParameterNames.ImageLocalProjection, MaMAParameterNames.TextLocalProjection, MaMAParameterNames.LocalScale];

    [TestMethod]
    public void BeforeTheLateStartOnlyTheClipTermIsComputedAfterItAllFour()
    {
        using var scope = NewDisposeScope();
        var config = MaMATestModels.Micro;
        using var model = MaMATestModels.Create(config);
        var objective = new MaMAObjective(model, new MaMAObjectiveOptions { LateStartStep = 5 });
        var batch = MaMATestModels.RandomBatch(config, 4, seed: 1);

        var before = objective.ComputeLosses(batch, new ObjectiveStepContext(4, 0, 1));
        CollectionAssert.AreEqual(new[] { MaMALosses.ImageText }, before.Terms.Select(t => t.Key).ToArray());
        var after = objective.ComputeLosses(batch, new ObjectiveStepContext(5, 0, 1));
        CollectionAssert.AreEquivalent(
            new[] { MaMALosses.ImageText, MaMALosses.MultiView, MaMALosses.SecondViewText, MaMALosses.LocalAlignment },
            after.Terms.Select(t => t.Key).ToArray());
        CollectionAssert.AreEqual(new[] { "i2t_top1", "i2t_top5" }, after.Metrics.Select(m => m.Key).ToArray());

        // The CLIP term is the same computation either side of the switch (eval mode: no dropout).
        model.eval();
        double clipBefore = objective.ComputeLosses(batch, new ObjectiveStepContext(0, 0, 1)).Terms[0].Value.item<float>();
        double clipAfter = objective.ComputeLosses(batch, new ObjectiveStepContext(9, 0, 1)).Terms.Single(t => t.Key == MaMALosses.ImageText).Value.item<float>();
        Assert.AreEqual(clipBefore, clipAfter, 1e-5);
    }

    [TestMethod]
    public void LateParametersAreFrozenUntilTheLateStartThenTrain()
    {
        var config = MaMATestModels.Micro;
        using var model = MaMATestModels.Create(config);
        var objective = new MaMAObjective(model, new MaMAObjectiveOptions { LateStartStep = 2 });
        Assert.AreEqual(2L, objective.FrozenUntil.Single().UntilStep);
        CollectionAssert.AreEqual(LatePrefixes, objective.FrozenUntil.Single().ParameterPrefixes.ToArray());

        var data = new RandomMaMAData(config);
        Dictionary<string, float[]> Snapshot() => model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().cpu().data<float>().ToArray());
        bool IsLate(string name) => LatePrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));
        var start = Snapshot();

        var options = new TrainerOptions { TotalSteps = 2, WarmupSteps = 0, MicroBatchSize = 4, LearningRate = 1e-2, PrefetchWorkers = 1 };
        new PretrainingTrainer<int, MaMABatch>(objective, data, options).Run();
        var atLateStart = Snapshot();
        foreach (var (name, values) in atLateStart)
        {
            bool untouched = values.SequenceEqual(start[name]);
            if (IsLate(name) || name.StartsWith(MaMAParameterNames.SimClrHead, StringComparison.Ordinal))
                Assert.IsTrue(untouched, $"{name} changed before the late start");
        }
        Assert.IsFalse(atLateStart[MaMAParameterNames.ImageGlobalProjection + ".weight"].SequenceEqual(start[MaMAParameterNames.ImageGlobalProjection + ".weight"]),
            "the global projection should train from the start");

        // A fresh trainer resumes nothing, so run 3 steps from the same start: step index 2 has the late terms.
        using var model2 = MaMATestModels.Create(config);
        var objective2 = new MaMAObjective(model2, new MaMAObjectiveOptions { LateStartStep = 2 });
        new PretrainingTrainer<int, MaMABatch>(objective2, data, options with { TotalSteps = 3 }).Run();
        var afterLate = model2.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().cpu().data<float>().ToArray());
        foreach (string name in new[] { MaMAParameterNames.ImageLocalProjection + "head.0.weight", MaMAParameterNames.TextLocalProjection + "head.0.weight",
                     MaMAParameterNames.LocalScale, MaMAParameterNames.SimClrHead + "layers.0.weight" })
            Assert.IsFalse(afterLate[name].SequenceEqual(start[name]), $"{name} did not train after the late start");
    }

    [TestMethod]
    public void SwitchedOffLossesNeverRunAndTheirHeadsStayOutOfTraining()
    {
        using var scope = NewDisposeScope();
        var config = MaMATestModels.Micro;
        using var model = MaMATestModels.Create(config);
        var objective = new MaMAObjective(model, new MaMAObjectiveOptions { LateStartStep = 0, MultiView = false, LocalAlignment = false });
        var batch = MaMATestModels.RandomBatch(config, 4, seed: 2);
        var terms = objective.ComputeLosses(batch, new ObjectiveStepContext(100_000, 0, 1));
        CollectionAssert.AreEqual(new[] { MaMALosses.ImageText }, terms.Terms.Select(t => t.Key).ToArray());
        Assert.AreEqual(0, objective.FrozenUntil.Count);
        Assert.AreEqual(1, objective.Scales.Count);
        foreach (var (name, p) in model.named_parameters())
            if (name.StartsWith(MaMAParameterNames.SimClrHead, StringComparison.Ordinal) || LatePrefixes.Any(l => name.StartsWith(l, StringComparison.Ordinal)))
                Assert.IsFalse(p.requires_grad, $"{name} should be frozen when its loss is off");

        terms.Total().backward();
        Assert.IsTrue(model.ImageEncoder.GlobalEmbed.parameters().All(p => p.grad is not null));
    }

    [TestMethod]
    public void MultiViewOffKeepsTheLocalLossAndViceVersa()
    {
        using var scope = NewDisposeScope();
        var config = MaMATestModels.Micro;
        using var model = MaMATestModels.Create(config);
        var batch = MaMATestModels.RandomBatch(config, 4, seed: 3);
        var noMultiView = new MaMAObjective(model, new MaMAObjectiveOptions { LateStartStep = 0, MultiView = false });
        CollectionAssert.AreEqual(new[] { MaMALosses.ImageText, MaMALosses.LocalAlignment },
            noMultiView.ComputeLosses(batch, new ObjectiveStepContext(0, 0, 1)).Terms.Select(t => t.Key).ToArray());
        using var model2 = MaMATestModels.Create(config);
        var noLocal = new MaMAObjective(model2, new MaMAObjectiveOptions { LateStartStep = 0, LocalAlignment = false });
        CollectionAssert.AreEquivalent(new[] { MaMALosses.ImageText, MaMALosses.MultiView, MaMALosses.SecondViewText },
            noLocal.ComputeLosses(batch, new ObjectiveStepContext(0, 0, 1)).Terms.Select(t => t.Key).ToArray());
    }

    [TestMethod]
    public void NegativeLateStartIsRejected() =>
        Assert.ThrowsExactly<ArgumentException>(() => new MaMAObjectiveOptions { LateStartStep = -1 }.Validate());

    /// <summary>Random batches keyed by the batch number (the prepared value), built on the training thread.</summary>
    private sealed class RandomMaMAData(MaMAConfig config) : ITrainingData<int, MaMABatch>
    {
        public int SampleCount => 16;
        public int Prepare(BatchKey key, Random random, CancellationToken cancellationToken) => (int)key.Sequence;
        public MaMABatch ToBatch(int prepared, Device device, ScalarType floatType) => MaMATestModels.RandomBatch(config, 4, seed: 100 + prepared);
    }
}
