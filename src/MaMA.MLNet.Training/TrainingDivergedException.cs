namespace MaMA.MLNet.Training;

/// <summary>
/// A loss term or the gradient became NaN or infinite. Training stopped before the optimiser applied the step, and
/// no checkpoint of the broken state was written: <see cref="LastGoodCheckpoint"/> is the one to resume from.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException(long step, string what, string? lastGoodCheckpoint)
        : base($"Training diverged at step {step}: {what} is not finite. " +
               (lastGoodCheckpoint is null ? "No checkpoint was written before it." : $"The last good checkpoint is '{lastGoodCheckpoint}'."))
    {
        Step = step;
        What = what;
        LastGoodCheckpoint = lastGoodCheckpoint;
    }

    /// <summary>The step (from 0) whose loss or gradient was not finite.</summary>
    public long Step { get; }

    /// <summary>What was not finite: a loss term's name, or "gradient norm".</summary>
    public string What { get; }

    /// <summary>The newest checkpoint written before the failure, or null.</summary>
    public string? LastGoodCheckpoint { get; }
}
