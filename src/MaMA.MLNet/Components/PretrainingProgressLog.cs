using System.Globalization;
using MaMA.MLNet.Logging;
using MaMA.MLNet.Training;

namespace MaMA.MLNet.Components;

/// <summary>
/// The progress sink of one pretraining Fit: keeps every step's report, writes a line to <c>MLContext.Log</c> after
/// the first step, every <c>LogEverySteps</c> steps and the last, and passes each report on to the caller's
/// <see cref="IProgress{T}"/>. The engine calls it on the training thread, one step at a time.
/// </summary>
internal sealed class PretrainingProgressLog(ComponentLog log, int every, IProgress<TrainingProgress>? next) : IProgress<TrainingProgress>
{
    private readonly List<TrainingProgress> _history = [];

    /// <summary>Every step's report, in order.</summary>
    public IReadOnlyList<TrainingProgress> History => _history;

    public void Report(TrainingProgress value)
    {
        _history.Add(value);
        if (value.Step == 1 || value.Step % every == 0 || value.Step == value.TotalSteps) log.Info(Format(value));
        next?.Report(value);
    }

    /// <summary>One progress line: step, total loss and its terms, learning rate, throughput, time.</summary>
    public static string Format(TrainingProgress p)
    {
        var c = CultureInfo.InvariantCulture;
        string terms = string.Join(", ", p.Losses.Select(kv => string.Create(c, $"{kv.Key} {kv.Value:F4}")));
        return string.Create(c,
            $"step {p.Step}/{p.TotalSteps}: loss {p.TotalLoss:F4} ({terms}), lr {p.LearningRate:0.00e+00}, {p.SamplesPerSecond:F1} images/s, elapsed {p.Elapsed:hh\\:mm\\:ss}, left {p.EstimatedRemaining:hh\\:mm\\:ss}");
    }
}
