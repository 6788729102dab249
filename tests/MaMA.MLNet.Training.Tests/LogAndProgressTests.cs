using System.Text.Json;
using MaMA.MLNet.Training.Tests.Toy;

namespace MaMA.MLNet.Training.Tests;

[TestClass]
public sealed class LogAndProgressTests
{
    [TestMethod]
    public void TheLogHasOneLinePerStepAndPerValidation()
    {
        using var temp = new TempFolder();
        string log = temp.Sub("logs/train.jsonl");
        var options = Toys.Options(4) with { LogPath = log, ValidateEvery = 2 };
        var trainer = new PretrainingTrainer<ToyPrepared, ToyBatch>(Toys.Objective(lateStart: 3), new ToyData(), options,
            validate: c => new Dictionary<string, double> { ["top1"] = c.Step / 10.0, ["top5"] = 1.0 });
        trainer.Run();

        var lines = File.ReadAllLines(log).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        CollectionAssert.AreEqual(
            new[] { "train:1", "train:2", "validation:2", "train:3", "train:4", "validation:4" },
            lines.Select(l => $"{l.GetProperty("type").GetString()}:{l.GetProperty("step").GetInt64()}").ToArray());

        var train = lines.Where(l => l.GetProperty("type").GetString() == "train").ToList();
        for (int i = 0; i < train.Count; i++)
        {
            var line = train[i];
            Assert.AreEqual(trainer.Schedule.LearningRateAt(i), line.GetProperty("lr").GetDouble(), 1e-15);
            var losses = line.GetProperty("losses");
            double sum = losses.EnumerateObject().Sum(p => p.Value.GetDouble());
            Assert.AreEqual(sum, line.GetProperty("total").GetDouble(), 1e-9);
            Assert.IsTrue(line.GetProperty("scales").TryGetProperty("logit_scale", out var scale));
            Assert.IsGreaterThan(0.0, scale.GetDouble());
            Assert.IsTrue(line.GetProperty("metrics").TryGetProperty("mae", out _));
            Assert.IsGreaterThan(0.0, line.GetProperty("grad_norm").GetDouble());
            Assert.IsTrue(line.TryGetProperty("samples_per_second", out _));
            Assert.IsGreaterThanOrEqualTo(0.0, line.GetProperty("elapsed_seconds").GetDouble());
        }
        // The late term (from step index 3) appears in the 4th line only.
        Assert.IsFalse(train[2].GetProperty("losses").TryGetProperty("late", out _));
        Assert.IsTrue(train[3].GetProperty("losses").TryGetProperty("late", out _));
        Assert.AreEqual(0.4, lines[5].GetProperty("metrics").GetProperty("top1").GetDouble(), 1e-12);
    }

    [TestMethod]
    public void ProgressIsReportedAfterEveryStep()
    {
        var reports = new List<TrainingProgress>();
        new PretrainingTrainer<ToyPrepared, ToyBatch>(Toys.Objective(), new ToyData(), Toys.Options(5), progress: new SyncProgress(reports.Add)).Run();
        CollectionAssert.AreEqual(new long[] { 1, 2, 3, 4, 5 }, reports.Select(r => r.Step).ToArray());
        Assert.IsTrue(reports.All(r => r.TotalSteps == 5 && r.Losses.ContainsKey("mse")));
        Assert.AreEqual(TimeSpan.Zero, reports[^1].EstimatedRemaining);
        Assert.IsTrue(reports.All(r => r.EstimatedRemaining >= TimeSpan.Zero && r.Elapsed >= TimeSpan.Zero));
    }

    [TestMethod]
    public void CancellationStopsAfterTheStepWithACheckpoint()
    {
        using var temp = new TempFolder();
        using var cts = new CancellationTokenSource();
        var result = new PretrainingTrainer<ToyPrepared, ToyBatch>(Toys.Objective(), new ToyData(),
            Toys.Options(8) with { CheckpointDirectory = temp.Path },
            progress: new SyncProgress(p => { if (p.Step == 3) cts.Cancel(); })).Run(cancellationToken: cts.Token);
        Assert.AreEqual(TrainingStopReason.Cancelled, result.StopReason);
        Assert.AreEqual(3, result.Step);
        Assert.AreEqual(new CheckpointStore(temp.Path, 1).PathOf(3), result.LastCheckpoint);
    }

    [TestMethod]
    public void AnExhaustedTimeBudgetStopsWithACheckpoint()
    {
        using var temp = new TempFolder();
        var result = new PretrainingTrainer<ToyPrepared, ToyBatch>(Toys.Objective(), new ToyData(),
            Toys.Options(8) with { CheckpointDirectory = temp.Path, TimeBudget = TimeSpan.Zero }).Run();
        Assert.AreEqual(TrainingStopReason.TimeBudgetReached, result.StopReason);
        Assert.AreEqual(1, result.Step);
        Assert.IsTrue(File.Exists(result.LastCheckpoint));
    }
    [TestMethod]
    public void UnderATimeBudgetTheRateDecaysToTheFloorByTheDeadline()
    {
        // A million scheduled steps and a 2 s budget: the steps alone would keep the rate at its peak.
        var options = Toys.Options(1_000_000) with { TimeBudget = TimeSpan.FromSeconds(2) };
        var schedule = new CosineWarmupSchedule(options.LearningRate, options.MinLearningRate, options.WarmupSteps, options.TotalSteps);
        foreach (bool decay in new[] { true, false })
        {
            var rates = new List<(long Step, double Rate)>();
            var result = new PretrainingTrainer<ToyPrepared, ToyBatch>(Toys.Objective(), new ToyData(), options with { DecayWithinTimeBudget = decay },
                progress: new SyncProgress(p => rates.Add((p.Step - 1, p.LearningRate)))).Run();
            Assert.AreEqual(TrainingStopReason.TimeBudgetReached, result.StopReason);
            var decaying = rates.Where(r => r.Step >= options.WarmupSteps).ToList();
            Assert.IsTrue(decaying.Count >= 10, $"only {decaying.Count} steps after warm-up in 2 s");
            if (!decay)
            {
                foreach (var (step, rate) in rates) Assert.AreEqual(schedule.LearningRateAt(step), rate, 1e-15, $"step {step}");
                continue;
            }
            for (int i = 1; i < decaying.Count; i++)
                Assert.IsTrue(decaying[i].Rate <= decaying[i - 1].Rate, $"step {decaying[i].Step}: the rate rose");
            foreach (var (step, rate) in decaying) Assert.IsTrue(rate <= schedule.LearningRateAt(step), $"step {step}: above the step schedule");
            // The last step started within one step of the deadline: nearly the whole cosine is behind it.
            Assert.IsTrue(decaying[^1].Rate < 0.1 * options.LearningRate, $"last rate {decaying[^1].Rate} at step {decaying[^1].Step}");
        }
    }
    [TestMethod]
    public void ARunWithTimeToSpareKeepsTheExactStepSchedule()
    {
        var options = Toys.Options(8) with { TimeBudget = TimeSpan.FromHours(1) };
        var schedule = new CosineWarmupSchedule(options.LearningRate, options.MinLearningRate, options.WarmupSteps, options.TotalSteps);
        var rates = new List<(long Step, double Rate)>();
        var result = new PretrainingTrainer<ToyPrepared, ToyBatch>(Toys.Objective(), new ToyData(), options,
            progress: new SyncProgress(p => rates.Add((p.Step - 1, p.LearningRate)))).Run();
        Assert.AreEqual(TrainingStopReason.Completed, result.StopReason);
        Assert.AreEqual(8, rates.Count);
        foreach (var (step, rate) in rates) Assert.AreEqual(schedule.LearningRateAt(step), rate, 0.0, $"step {step}");
    }
}
