namespace MaMA.MLNet.Training;

/// <summary>Why a run stopped.</summary>
public enum TrainingStopReason
{
    /// <summary>All steps ran.</summary>
    Completed,

    /// <summary>The cancellation token fired; a checkpoint of the last completed step was written.</summary>
    Cancelled,

    /// <summary>The time budget ran out; a checkpoint was written.</summary>
    TimeBudgetReached,
}

/// <summary>How a run ended.</summary>
/// <param name="StopReason">Why it stopped.</param>
/// <param name="Step">Steps completed.</param>
/// <param name="LastCheckpoint">The newest checkpoint, or null when none was written.</param>
/// <param name="BestCheckpoint">The best checkpoint by the chosen validation metric, or null.</param>
public sealed record TrainingResult(TrainingStopReason StopReason, long Step, string? LastCheckpoint, string? BestCheckpoint)
{
    /// <summary>
    /// Newer checkpoints a resume from a folder passed over because they are damaged (cut short, checksum mismatch),
    /// each as "path: problem"; empty when the newest was intact or the run started fresh.
    /// </summary>
    public IReadOnlyList<string> SkippedCheckpoints { get; init; } = [];
}
