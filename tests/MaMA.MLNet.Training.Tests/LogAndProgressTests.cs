using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
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
            new[] { "train:1", "train:2", "validation:2", "train:3", "train:4", "validation:4", "end:4" },
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
            // The contrastive batch each term ranked within: the micro-batch (what chance levels in reports need).
            Assert.AreEqual(options.MicroBatchSize, line.GetProperty("batch_size").GetInt32());
            Assert.IsGreaterThanOrEqualTo(0.0, line.GetProperty("elapsed_seconds").GetDouble());
        }
        // The end record: steps done of planned and why the run stopped (no budget, so none recorded).
        Assert.AreEqual(4, lines[^1].GetProperty("total_steps").GetInt64());
        Assert.AreEqual(nameof(TrainingStopReason.Completed), lines[^1].GetProperty("stop_reason").GetString());
        Assert.IsFalse(lines[^1].TryGetProperty("time_budget_minutes", out _));
        // The late term (from step index 3) appears in the 4th line only.
        Assert.IsFalse(train[2].GetProperty("losses").TryGetProperty("late", out _));
        Assert.IsTrue(train[3].GetProperty("losses").TryGetProperty("late", out _));
        Assert.AreEqual(0.4, lines[5].GetProperty("metrics").GetProperty("top1").GetDouble(), 1e-12);
    }

    [TestMethod]
    public void ProgressIsReportedAfterEveryStep()
    {
        var reports = new List<TrainingProgress>();
        var (objective, clock) = ClockedObjective(secondsPerStep: 0.5);
        new PretrainingTrainer<ToyPrepared, ToyBatch>(objective, new ToyData(), Toys.Options(5), progress: new SyncProgress(reports.Add), timeProvider: clock).Run();
        CollectionAssert.AreEqual(new long[] { 1, 2, 3, 4, 5 }, reports.Select(r => r.Step).ToArray());
        Assert.IsTrue(reports.All(r => r.TotalSteps == 5 && r.Losses.ContainsKey("mse")));
        // Half a second a step on the fake clock: after step s, s/2 seconds are behind and (5 - s)/2 ahead.
        foreach (var r in reports)
        {
            Assert.AreEqual(0.5 * r.Step, r.Elapsed.TotalSeconds, 1e-6, $"elapsed after step {r.Step}");
            Assert.AreEqual(0.5 * (5 - r.Step), r.EstimatedRemaining.TotalSeconds, 1e-6, $"estimate after step {r.Step}");
            Assert.AreEqual(4 * 2 / 0.5, r.SamplesPerSecond, 1e-6, $"samples per second after step {r.Step}");
        }
    }

    [TestMethod]
    public void UnderATimeBudgetTheEstimateIsTheSoonerOfStepsLeftAndBudgetLeft()
    {
        // 100 steps of 0.5 s (fake clock) would take 50 s; the 3 s budget ends the run after 6 steps. After step s the
        // steps left need 0.5 (100 - s) s but the budget leaves 3 - 0.5 s: the estimate is the budget's.
        var reports = new List<TrainingProgress>();
        var (objective, clock) = ClockedObjective(secondsPerStep: 0.5);
        var result = new PretrainingTrainer<ToyPrepared, ToyBatch>(objective, new ToyData(), Toys.Options(100) with { TimeBudget = TimeSpan.FromSeconds(3) },
            progress: new SyncProgress(reports.Add), timeProvider: clock).Run();
        Assert.AreEqual(TrainingStopReason.TimeBudgetReached, result.StopReason);
        Assert.HasCount(6, reports);
        foreach (var r in reports)
            Assert.AreEqual(3 - 0.5 * r.Step, r.EstimatedRemaining.TotalSeconds, 1e-6, $"estimate after step {r.Step}");

        // A budget the steps end well within leaves the steps-based estimate alone.
        reports.Clear();
        (objective, clock) = ClockedObjective(secondsPerStep: 0.5);
        new PretrainingTrainer<ToyPrepared, ToyBatch>(objective, new ToyData(), Toys.Options(5) with { TimeBudget = TimeSpan.FromSeconds(60) },
            progress: new SyncProgress(reports.Add), timeProvider: clock).Run();
        foreach (var r in reports)
            Assert.AreEqual(0.5 * (5 - r.Step), r.EstimatedRemaining.TotalSeconds, 1e-6, $"estimate after step {r.Step}");
    }

    /// <summary>A toy objective whose every micro-batch moves a fake clock on, so a step "takes" a fixed time.</summary>
    private static (ToyObjective Objective, FakeTimeProvider Clock) ClockedObjective(double secondsPerStep)
    {
        var clock = new FakeTimeProvider();
        var objective = Toys.Objective();
        int microBatches = Toys.Options().AccumulationSteps;
        objective.OnCompute = _ => clock.Advance(TimeSpan.FromSeconds(secondsPerStep / microBatches));
        return (objective, clock);
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
        // A million scheduled steps and a 2 s budget at 50 ms a step (fake clock): the steps alone would keep the rate
        // at its peak; the budget ends the run after exactly 40 steps.
        var options = Toys.Options(1_000_000) with { TimeBudget = TimeSpan.FromSeconds(2) };
        var schedule = new CosineWarmupSchedule(options.LearningRate, options.MinLearningRate, options.WarmupSteps, options.TotalSteps);
        foreach (bool decay in new[] { true, false })
        {
            var rates = new List<(long Step, double Rate)>();
            var (objective, clock) = ClockedObjective(secondsPerStep: 0.05);
            var result = new PretrainingTrainer<ToyPrepared, ToyBatch>(objective, new ToyData(), options with { DecayWithinTimeBudget = decay },
                progress: new SyncProgress(p => rates.Add((p.Step - 1, p.LearningRate))), timeProvider: clock).Run();
            Assert.AreEqual(TrainingStopReason.TimeBudgetReached, result.StopReason);
            Assert.AreEqual(40, result.Step);
            var decaying = rates.Where(r => r.Step >= options.WarmupSteps).ToList();
            Assert.HasCount(38, decaying);
            if (!decay)
            {
                foreach (var (step, rate) in rates) Assert.AreEqual(schedule.LearningRateAt(step), rate, 1e-15, $"step {step}");
                continue;
            }
            for (int i = 1; i < decaying.Count; i++)
                Assert.IsTrue(decaying[i].Rate < decaying[i - 1].Rate, $"step {decaying[i].Step}: the rate did not fall");
            foreach (var (step, rate) in decaying) Assert.IsTrue(rate <= schedule.LearningRateAt(step), $"step {step}: above the step schedule");
            // From the first step after warm-up the rate follows the budget: step t starts at t/40 of it.
            foreach (var (step, rate) in decaying)
                Assert.AreEqual(schedule.LearningRateAt(step, budgetFraction: step / 40.0), rate, 1e-12, $"step {step}");
            // The last step started one step before the deadline: nearly the whole cosine is behind it.
            Assert.IsTrue(decaying[^1].Rate < 0.02 * options.LearningRate, $"last rate {decaying[^1].Rate} at step {decaying[^1].Step}");
        }
    }

    [TestMethod]
    public void ARunWithTimeToSpareKeepsTheExactStepSchedule()
    {
        // 8 steps of 0.1 s (fake clock) in a 1 s budget.
        var options = Toys.Options(8) with { TimeBudget = TimeSpan.FromSeconds(1) };
        var schedule = new CosineWarmupSchedule(options.LearningRate, options.MinLearningRate, options.WarmupSteps, options.TotalSteps);
        var rates = new List<(long Step, double Rate)>();
        var (objective, clock) = ClockedObjective(secondsPerStep: 0.1);
        var result = new PretrainingTrainer<ToyPrepared, ToyBatch>(objective, new ToyData(), options,
            progress: new SyncProgress(p => rates.Add((p.Step - 1, p.LearningRate))), timeProvider: clock).Run();
        Assert.AreEqual(TrainingStopReason.Completed, result.StopReason);
        Assert.AreEqual(8, rates.Count);
        foreach (var (step, rate) in rates) Assert.AreEqual(schedule.LearningRateAt(step), rate, 0.0, $"step {step}");
    }
}
