using static TorchSharp.torch;
using MaMA.MLNet.Training.Tests.Toy;

namespace MaMA.MLNet.Training.Tests;

/// <summary>What one optimiser step does: accumulation, scale clamping, late-start freezing.</summary>
[TestClass]
public sealed class TrainerStepTests
{
    private static (Dictionary<string, float[]> Weights, List<TrainingProgress> Reports, List<double> GradNorms) Train(
        TrainerOptions options, ToyObjective objective, ToyData? data = null)
    {
        var reports = new List<TrainingProgress>();
        using var temp = new TempFolder();
        string log = temp.Sub("log.jsonl");
        new PretrainingTrainer<ToyPrepared, ToyBatch>(objective, data ?? new ToyData(), options with { LogPath = log },
            progress: new SyncProgress(reports.Add)).Run();
        var norms = File.ReadAllLines(log).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("type").GetString() == "train").Select(e => e.GetProperty("grad_norm").GetDouble()).ToList();
        return (objective.Net.Snapshot(), reports, norms);
    }

    [TestMethod]
    public void TwoMicroBatchesOfTwoEqualOneBatchOfFour()
    {
        // No dropout and no augmentation noise, so both runs see the same samples and the same function.
        var baseOptions = Toys.Options(3) with { WarmupSteps = 1 };
        var data = new ToyData(noise: 0);
        var whole = Train(baseOptions with { MicroBatchSize = 4, AccumulationSteps = 1 }, Toys.Objective(dropout: 0, lateStart: 0), data);
        var split = Train(baseOptions with { MicroBatchSize = 2, AccumulationSteps = 2 }, Toys.Objective(dropout: 0, lateStart: 0), data);

        for (int s = 0; s < 3; s++)
        {
            Assert.AreEqual(whole.Reports[s].TotalLoss, split.Reports[s].TotalLoss, 1e-6, $"loss of step {s}");
            // The gradient norm is sensitive to the 1/k scaling that Adam's update is not.
            Assert.AreEqual(whole.GradNorms[s], split.GradNorms[s], 1e-6 * whole.GradNorms[s], $"gradient norm of step {s}");
        }
        foreach (var (name, values) in whole.Weights)
            for (int i = 0; i < values.Length; i++)
                Assert.AreEqual(values[i], split.Weights[name][i], 1e-6, $"{name}[{i}]");
    }

    [TestMethod]
    public void TheLogitScaleIsClampedToLn100()
    {
        manual_seed(1);
        // One step moves the raw value by about the learning rate (1e-2), far less than 10 - ln 100: only the clamp
        // can bring it to ln 100.
        var objective = new ToyObjective(dropout: 0, lateStart: 0, logitScale: 10.0);
        var result = Train(Toys.Options(1), objective);
        Assert.AreEqual((float)Math.Log(100), result.Weights["logit_scale"][0], 1e-6);
    }

    [TestMethod]
    public void AnUnboundedScaleIsNotClamped()
    {
        manual_seed(1);
        var objective = new ToyObjective(dropout: 0, lateStart: 0, logitScale: 10.0, scale: new LearnableScale("logit_scale", "logit_scale", null, null));
        var result = Train(Toys.Options(2), objective);
        Assert.IsGreaterThan(9.0f, result.Weights["logit_scale"][0]);
    }

    [TestMethod]
    public void LateParametersStayFrozenUntilTheirStepAndTheLateTermStartsThen()
    {
        var objective = Toys.Objective(lateStart: 3);
        var initial = objective.Net.late_head.weight!.detach().clone().data<float>().ToArray();
        var lateWeights = new List<float[]>();
        var reports = new List<TrainingProgress>();
        new PretrainingTrainer<ToyPrepared, ToyBatch>(objective, new ToyData(), Toys.Options(5), progress: new SyncProgress(p =>
        {
            reports.Add(p);
            lateWeights.Add(objective.Net.late_head.weight!.detach().clone().data<float>().ToArray());
        })).Run();

        for (int step = 1; step <= 3; step++)
        {
            CollectionAssert.AreEqual(initial, lateWeights[step - 1], $"late head after step {step}");
            Assert.IsFalse(reports[step - 1].Losses.ContainsKey("late"), $"late term at step {step}");
        }
        // Step index 3 (the 4th step) is the first with the late term and the first that moves the late head.
        Assert.IsTrue(reports[3].Losses.ContainsKey("late"));
        CollectionAssert.AreNotEqual(initial, lateWeights[3]);
    }

    [TestMethod]
    public void AnUnknownFrozenPrefixIsAClearError()
    {
        var objective = new UnknownPrefixObjective();
        var trainer = new PretrainingTrainer<ToyPrepared, ToyBatch>(objective, new ToyData(), Toys.Options(1));
        var error = Assert.ThrowsExactly<ArgumentException>(() => trainer.Run());
        StringAssert.Contains(error.Message, "local_embed");
    }

    [TestMethod]
    public void Bfloat16IsRejectedOnCpu()
    {
        var trainer = new PretrainingTrainer<ToyPrepared, ToyBatch>(Toys.Objective(), new ToyData(),
            Toys.Options(1) with { Precision = TrainingPrecision.BFloat16 });
        var error = Assert.ThrowsExactly<NotSupportedException>(() => trainer.Run());
        StringAssert.Contains(error.Message, "CUDA");
    }

    [TestMethod]
    public void OptionsOutOfRangeAreNamed()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() =>
            new PretrainingTrainer<ToyPrepared, ToyBatch>(Toys.Objective(), new ToyData(), Toys.Options(1) with { AccumulationSteps = 0 }));
        Assert.AreEqual(nameof(TrainerOptions.AccumulationSteps), error.ParamName);
        Assert.ThrowsExactly<ArgumentException>(() =>
            new PretrainingTrainer<ToyPrepared, ToyBatch>(Toys.Objective(), new ToyData(), Toys.Options(1) with { ValidateEvery = 1 }));
    }

    private sealed class UnknownPrefixObjective : IPretrainingObjective<ToyBatch>
    {
        private readonly ToyObjective _inner = new();
        public TorchSharp.torch.nn.Module Module => _inner.Module;
        public IReadOnlyList<FrozenParameters> FrozenUntil { get; } = [new FrozenParameters("late_loss", 2, ["local_embed"])];
        public IReadOnlyList<LearnableScale> Scales => [];
        public LossTerms ComputeLosses(ToyBatch batch, ObjectiveStepContext context) => _inner.ComputeLosses(batch, context);
    }
}
