namespace MaMA.MLNet.Training;

/// <summary>
/// Learning rate with linear warm-up and cosine decay, as a closed form of the optimiser step, so it has no state
/// beyond the step (resume sets the step and gets the same rate). It follows the scheduler of the MaMA reference
/// (<c>CosineAnnealingWarmupRestarts</c> with one cycle), for step t counted from 0:
/// <code>
/// t &lt; W:       lr(t) = min + (max - min) * t / W
/// W &lt;= t &lt; T:  lr(t) = min + (max - min) * (1 + cos(pi * (t - W) / (T - W))) / 2
/// t &gt;= T:      lr(t) = min
/// </code>
/// with W the warm-up steps, T the total steps, max the peak rate and min the floor (reference: 1e-8).
/// </summary>
public sealed class CosineWarmupSchedule
{
    /// <summary>Creates a schedule.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A rate is negative or not finite, min exceeds max, or the step counts are inconsistent.</exception>
    public CosineWarmupSchedule(double maxLearningRate, double minLearningRate, long warmupSteps, long totalSteps)
    {
        if (!double.IsFinite(maxLearningRate) || maxLearningRate <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxLearningRate), maxLearningRate, "The peak learning rate must be positive and finite.");
        if (!double.IsFinite(minLearningRate) || minLearningRate < 0 || minLearningRate > maxLearningRate)
            throw new ArgumentOutOfRangeException(nameof(minLearningRate), minLearningRate, "The floor learning rate must be in [0, peak].");
        if (totalSteps < 1) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "Total steps must be at least 1.");
        if (warmupSteps < 0 || warmupSteps >= totalSteps)
            throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, $"Warm-up steps must be in [0, total steps = {totalSteps}).");
        MaxLearningRate = maxLearningRate;
        MinLearningRate = minLearningRate;
        WarmupSteps = warmupSteps;
        TotalSteps = totalSteps;
    }

    /// <summary>The peak rate, reached at the end of warm-up.</summary>
    public double MaxLearningRate { get; }

    /// <summary>The floor rate: the start of warm-up and the end of the decay.</summary>
    public double MinLearningRate { get; }

    /// <summary>Linear warm-up length in steps.</summary>
    public long WarmupSteps { get; }

    /// <summary>Steps in the whole schedule.</summary>
    public long TotalSteps { get; }

    /// <summary>The learning rate for optimiser step <paramref name="step"/> (from 0).</summary>
    public double LearningRateAt(long step) => LearningRateAt(step, budgetFraction: 0);

    /// <summary>
    /// The learning rate for optimiser step <paramref name="step"/> in a time-boxed run: after warm-up the progress
    /// through the cosine is the larger of the step's, <c>(t - W) / (T - W)</c>, and <paramref name="budgetFraction"/>
    /// (time used / time budget, clamped to [0, 1]), so the rate reaches the floor by whichever end comes first.
    /// Both grow during a run, so the rate never rises again. Warm-up stays step-based.
    /// </summary>
    public double LearningRateAt(long step, double budgetFraction)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (double.IsNaN(budgetFraction)) throw new ArgumentOutOfRangeException(nameof(budgetFraction), budgetFraction, "The budget fraction must be a number.");
        double span = MaxLearningRate - MinLearningRate;
        if (step < WarmupSteps) return MinLearningRate + span * step / WarmupSteps;
        if (step >= TotalSteps) return MinLearningRate;
        double progress = Math.Max((double)(step - WarmupSteps) / (TotalSteps - WarmupSteps), Math.Clamp(budgetFraction, 0, 1));
        return MinLearningRate + span * (1 + Math.Cos(Math.PI * progress)) / 2;
    }
}
