namespace MaMA.MLNet.Components;

/// <summary>What happened while a fine-tuned classifier was trained.</summary>
/// <param name="StepsRun">Optimiser steps taken (fewer than asked when early stopping ended training).</param>
/// <param name="StoppedEarly">True when validation loss stopped improving for the patience.</param>
/// <param name="BestStep">The step after which the kept weights were taken (the last step without validation).</param>
/// <param name="BestValidationLoss">The lowest validation cross-entropy, or null without a validation split.</param>
/// <param name="TrainingLoss">Mean cross-entropy of each training batch, in step order.</param>
public sealed record FineTuneHistory(int StepsRun, bool StoppedEarly, int BestStep, double? BestValidationLoss, IReadOnlyList<double> TrainingLoss);
