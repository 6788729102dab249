namespace MaMA.MLNet.Reporting;

/// <summary>How a training run ended, as its log's last <c>"type":"end"</c> record says.</summary>
/// <param name="Step">Steps done.</param>
/// <param name="TotalSteps">Steps planned.</param>
/// <param name="StopReason">Why it stopped (the trainer's reason, e.g. <c>Completed</c>, <c>TimeBudgetReached</c>).</param>
/// <param name="TimeBudgetMinutes">The run's time budget, or null when it had none.</param>
public sealed record TrainingRunEnd(long Step, long TotalSteps, string StopReason, double? TimeBudgetMinutes);
