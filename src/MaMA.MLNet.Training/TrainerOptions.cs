namespace MaMA.MLNet.Training;

/// <summary>Settings of a pretraining run. Defaults follow the MaMA recipe (spec §5) where it has one.</summary>
public sealed record TrainerOptions
{
    /// <summary>Optimiser steps in the whole run (MaMA: 40,000); the cosine schedule ends here.</summary>
    public long TotalSteps { get; init; } = 40_000;

    /// <summary>Samples per micro-batch (MaMA: 36 per GPU).</summary>
    public int MicroBatchSize { get; init; } = 36;

    /// <summary>Micro-batches whose gradients are summed into one optimiser step (MaMA: 2).</summary>
    public int AccumulationSteps { get; init; } = 1;

    /// <summary>Peak learning rate (MaMA: 4e-5).</summary>
    public double LearningRate { get; init; } = 4e-5;

    /// <summary>Learning rate at the start of warm-up and the end of the decay (MaMA reference: 1e-8).</summary>
    public double MinLearningRate { get; init; } = 1e-8;

    /// <summary>Linear warm-up steps (MaMA: 4,000).</summary>
    public long WarmupSteps { get; init; } = 4_000;

    /// <summary>AdamW decoupled weight decay (MaMA: 0.1).</summary>
    public double WeightDecay { get; init; } = 0.1;

    /// <summary>Which parameters decay; see <see cref="Training.WeightDecayMode"/>.</summary>
    public WeightDecayMode WeightDecayMode { get; init; } = WeightDecayMode.ExcludeBiasNormScaleEmbedding;

    /// <summary>
    /// Parameter groups trained at a multiple of the scheduled learning rate (<see cref="LearningRateScale"/>); the
    /// parameters of no group train at 1x. Empty (default): one rate for all.
    /// </summary>
    public IReadOnlyList<LearningRateScale> LearningRateScales { get; init; } = [];

    /// <summary>AdamW beta1.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW beta2.</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>AdamW epsilon.</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>Clip gradients to this global L2 norm; null clips nothing (the MaMA reference does not clip).</summary>
    public double? MaxGradientNorm { get; init; }

    /// <summary>Seed of data order, augmentation and torch's generator at the start of a fresh run.</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Device name: <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c> or <c>auto</c>.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Numeric precision of weights and activations; see <see cref="TrainingPrecision"/>.</summary>
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Float32;

    /// <summary>Checkpoint folder; null writes no checkpoints.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Write a checkpoint every this many steps (0: only at the end, on cancellation and on the time budget).</summary>
    public long CheckpointEvery { get; init; } = 1_000;

    /// <summary>How many of the newest checkpoints to keep (the best one is kept besides).</summary>
    public int KeepLastCheckpoints { get; init; } = 3;

    /// <summary>Whether checkpoints include parameters that never train (a frozen LLM); off keeps them small.</summary>
    public bool CheckpointFrozenParameters { get; init; }

    /// <summary>Run the validation callback every this many steps (0: never).</summary>
    public long ValidateEvery { get; init; }

    /// <summary>The validation metric that selects the best checkpoint; null keeps no best checkpoint.</summary>
    public string? BestMetric { get; init; }

    /// <summary>Whether a larger <see cref="BestMetric"/> is better.</summary>
    public bool BestMetricHigherIsBetter { get; init; }

    /// <summary>Path of the JSON-lines log (appended to); null writes no log.</summary>
    public string? LogPath { get; init; }

    /// <summary>Background workers that prepare micro-batches.</summary>
    public int PrefetchWorkers { get; init; } = 2;

    /// <summary>Prepared micro-batches that may wait for the training thread.</summary>
    public int PrefetchCapacity { get; init; } = 4;

    /// <summary>Stop (with a checkpoint) once this much training time has passed in this run; null: no limit.</summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>
    /// With a <see cref="TimeBudget"/>: once the recent step time projects the run past its budget, the cosine decay also
    /// follows the time used, so the rate is at its floor when the budget ends even if <see cref="TotalSteps"/> would not
    /// be reached (<see cref="CosineWarmupSchedule.LearningRateAt(long, double)"/>). The rate then depends on the
    /// machine's speed, as the step count of a time-boxed run does; a run on course to finish keeps the step schedule
    /// exactly. Default on.
    /// </summary>
    public bool DecayWithinTimeBudget { get; init; } = true;

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentException">A setting is out of range; the message names it.</exception>
    public void Validate()
    {
        static void Require(bool ok, string name, string rule)
        {
            if (!ok) throw new ArgumentException($"Trainer option {name} {rule}.", name);
        }
        Require(TotalSteps >= 1, nameof(TotalSteps), "must be at least 1");
        Require(MicroBatchSize >= 1, nameof(MicroBatchSize), "must be at least 1");
        Require(AccumulationSteps >= 1, nameof(AccumulationSteps), "must be at least 1");
        Require(double.IsFinite(LearningRate) && LearningRate > 0, nameof(LearningRate), "must be positive and finite");
        Require(double.IsFinite(MinLearningRate) && MinLearningRate >= 0 && MinLearningRate <= LearningRate, nameof(MinLearningRate), "must be in [0, LearningRate]");
        Require(WarmupSteps >= 0 && WarmupSteps < TotalSteps, nameof(WarmupSteps), "must be in [0, TotalSteps)");
        Require(double.IsFinite(WeightDecay) && WeightDecay >= 0, nameof(WeightDecay), "must be non-negative and finite");
        Require(Beta1 is >= 0 and < 1, nameof(Beta1), "must be in [0, 1)");
        Require(Beta2 is >= 0 and < 1, nameof(Beta2), "must be in [0, 1)");
        Require(Epsilon > 0, nameof(Epsilon), "must be positive");
        Require(LearningRateScales is not null && LearningRateScales.All(g =>
                g is not null && !string.IsNullOrWhiteSpace(g.Name) && double.IsFinite(g.Scale) && g.Scale > 0 && g.ParameterPrefixes is { Count: > 0 }),
            nameof(LearningRateScales), "must each have a name, a positive finite scale and at least one parameter prefix");
        Require(LearningRateScales is null || LearningRateScales.Select(g => g.Name).Distinct(StringComparer.Ordinal).Count() == LearningRateScales.Count,
            nameof(LearningRateScales), "must have distinct names");
        Require(MaxGradientNorm is null || MaxGradientNorm > 0, nameof(MaxGradientNorm), "must be positive when set");
        Require(CheckpointEvery >= 0, nameof(CheckpointEvery), "must not be negative");
        Require(KeepLastCheckpoints >= 1, nameof(KeepLastCheckpoints), "must be at least 1");
        Require(ValidateEvery >= 0, nameof(ValidateEvery), "must not be negative");
        Require(BestMetric is null || ValidateEvery > 0, nameof(BestMetric), "needs ValidateEvery > 0");
        Require(PrefetchWorkers >= 1, nameof(PrefetchWorkers), "must be at least 1");
        Require(PrefetchCapacity >= 1, nameof(PrefetchCapacity), "must be at least 1");
        Require(TimeBudget is null || TimeBudget >= TimeSpan.Zero, nameof(TimeBudget), "must not be negative");
    }
}
