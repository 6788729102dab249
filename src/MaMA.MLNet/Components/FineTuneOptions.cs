namespace MaMA.MLNet.Components;

/// <summary>
/// Settings of the fine-tuned classifier (<see cref="FineTuneEstimator"/>). Defaults follow the MaMA fine-tuning
/// recipe (spec section 7): SGD with momentum 0.9, learning rate 5e-4 decayed by a cosine to 1e-5 after a linear
/// warm-up, weight decay 1e-3, class-balanced batches.
/// </summary>
public sealed class FineTuneOptions : MaMAModelOptions
{
    /// <summary>The model-ready image column (Single vector [3, S, S]).</summary>
    public string ImageColumnName { get; set; } = "Image";

    /// <summary>The label column: a key type (use <c>MapValueToKey</c>); its key count is the number of classes.</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>The class-probability column to add.</summary>
    public string ScoreColumnName { get; set; } = "Score";

    /// <summary>The predicted-class column to add (a key with the label's key values).</summary>
    public string PredictedLabelColumnName { get; set; } = "PredictedLabel";

    /// <summary>Linear probe (frozen encoder) or full fine-tuning.</summary>
    public FineTuneMode Mode { get; set; } = FineTuneMode.LinearProbe;

    /// <summary>
    /// Linear probe only: train on features standardised with the training rows' mean and standard deviation (folded
    /// into the head afterwards, so predictions still take raw pooled features). On by default.
    /// </summary>
    public bool StandardizeFeatures { get; set; } = true;

    /// <summary>Optimiser steps (upper bound when early stopping is on).</summary>
    public int Steps { get; set; } = 200;

    /// <summary>Rows per training batch (inference uses <see cref="MaMAModelOptions.BatchSize"/>).</summary>
    public int TrainingBatchSize { get; set; } = 16;

    /// <summary>Peak learning rate, reached at the end of warm-up.</summary>
    public double LearningRate { get; set; } = 5e-4;

    /// <summary>Floor learning rate: the start of warm-up and the end of the cosine.</summary>
    public double MinLearningRate { get; set; } = 1e-5;

    /// <summary>Linear warm-up steps.</summary>
    public int WarmupSteps { get; set; } = 10;

    /// <summary>SGD momentum.</summary>
    public double Momentum { get; set; } = 0.9;

    /// <summary>SGD weight decay (L2, on every trained parameter).</summary>
    public double WeightDecay { get; set; } = 1e-3;

    /// <summary>Draw each batch row's class uniformly, then a row of that class (true), or rows uniformly (false).</summary>
    public bool ClassBalancedSampling { get; set; } = true;

    /// <summary>Seed of the head initialisation, the sampler and the validation split.</summary>
    public int Seed { get; set; }

    /// <summary>Fraction of rows held out for validation (0 = none, no early stopping).</summary>
    public double ValidationFraction { get; set; }

    /// <summary>Steps between validation passes.</summary>
    public int ValidationInterval { get; set; } = 10;

    /// <summary>Validation passes without a lower validation loss before training stops; the best weights are kept.</summary>
    public int Patience { get; set; } = 5;

    /// <summary>
    /// Receives a report after every step on the training thread (loss term <c>cross_entropy</c>); may be null. Not
    /// saved with the model.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IProgress<global::MaMA.MLNet.Training.TrainingProgress>? Progress { get; set; }

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        if (Steps < 1) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "at least one training step is needed");
        if (TrainingBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(TrainingBatchSize), TrainingBatchSize, "the training batch size must be at least 1");
        if (WarmupSteps < 0 || WarmupSteps >= Steps) throw new ArgumentOutOfRangeException(nameof(WarmupSteps), WarmupSteps, $"warm-up steps must be in [0, Steps = {Steps})");
        if (!(LearningRate > 0) || !(MinLearningRate >= 0) || MinLearningRate > LearningRate)
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "need 0 <= MinLearningRate <= LearningRate and LearningRate > 0");
        if (Momentum is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(Momentum), Momentum, "momentum must be in [0, 1)");
        if (WeightDecay < 0) throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "weight decay must not be negative");
        if (ValidationFraction is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(ValidationFraction), ValidationFraction, "the validation fraction must be in [0, 1)");
        if (ValidationInterval < 1) throw new ArgumentOutOfRangeException(nameof(ValidationInterval), ValidationInterval, "the validation interval must be at least 1");
        if (Patience < 1) throw new ArgumentOutOfRangeException(nameof(Patience), Patience, "patience must be at least 1");
    }

    internal FineTuneOptions Clone() => (FineTuneOptions)MemberwiseClone();
}
