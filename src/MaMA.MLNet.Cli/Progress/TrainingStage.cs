using System.Globalization;
using MaMA.MLNet.Training;

namespace MaMA.MLNet.Cli.Progress;

/// <summary>Shows pretraining steps on a stage, with the loss terms, learning rate and throughput as its detail.</summary>
internal sealed class TrainingStage(IProgressStage stage) : IProgress<TrainingProgress>
{
    /// <inheritdoc />
    public void Report(TrainingProgress p)
    {
        stage.Total = p.TotalSteps;
        // The trainer's estimate: the sooner of the steps left and the time budget left (--minutes).
        stage.Report(p.Step, Detail(p), p.EstimatedRemaining);
    }

    /// <summary>The detail text: <c>loss=4.1234 clip=2.100 ... lr=0.001 12.3 img/s</c>.</summary>
    public static string Detail(TrainingProgress p)
    {
        string terms = string.Join(" ", p.Losses.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key}={kv.Value:F3}")));
        return string.Create(CultureInfo.InvariantCulture, $"loss={p.TotalLoss:F4} {terms} lr={p.LearningRate:G3} {p.SamplesPerSecond:F1} img/s");
    }
}
