using System.Globalization;
using MaMA.MLNet.Training;

namespace MaMA.MLNet.Cli.Reports;

/// <summary>
/// How a pretraining run ended, in the words <c>mama pretrain</c> and <c>mama demo</c> print: steps done out of
/// planned, and a warning when the time budget cut the run short (a model that stopped early is undertrained, and the
/// numbers after it say less).
/// </summary>
internal static class TrainingSummary
{
    /// <summary><c>Trained 120 of 600 planned steps (stopped: TimeBudgetReached).</c></summary>
    public static string Steps(TrainingResult result, long planned) => Steps(result.Step, planned, result.StopReason.ToString());

    /// <summary>The same from a training log's numbers.</summary>
    public static string Steps(long done, long planned, string stopReason) =>
        string.Create(CultureInfo.InvariantCulture, $"Trained {done} of {planned} planned steps (stopped: {stopReason}).");

    /// <summary>The warning when <paramref name="minutes"/> ended training before <paramref name="planned"/> steps; else null.</summary>
    public static string? BudgetWarning(TrainingResult result, long planned, double? minutes) =>
        BudgetWarning(result.Step, planned, result.StopReason.ToString(), minutes);

    /// <summary>The same from a training log's numbers.</summary>
    public static string? BudgetWarning(long done, long planned, string stopReason, double? minutes) =>
        stopReason == nameof(TrainingStopReason.TimeBudgetReached) && done < planned
            ? string.Create(CultureInfo.InvariantCulture,
                $"warning: the time budget (--minutes {minutes:G3}) stopped training at step {done} of {planned}; the model is undertrained. Give more --minutes or fewer --steps.")
            : null;
}
