namespace MaMA.MLNet.Training;

/// <summary>A progress report after an optimiser step.</summary>
/// <param name="Step">Steps completed.</param>
/// <param name="TotalSteps">Steps in the run.</param>
/// <param name="Losses">Each loss term's mean over the step's micro-batches, in the objective's order.</param>
/// <param name="TotalLoss">The sum of the terms.</param>
/// <param name="LearningRate">The learning rate the step used.</param>
/// <param name="SamplesPerSecond">Throughput of this run so far.</param>
/// <param name="Elapsed">Training time over all runs that led here.</param>
/// <param name="EstimatedRemaining">
/// Time to the end of the run: to <paramref name="TotalSteps"/> at this run's mean step time, or to the end of the
/// time budget (<see cref="TrainerOptions.TimeBudget"/>) when that comes sooner.
/// </param>
public sealed record TrainingProgress(
    long Step,
    long TotalSteps,
    IReadOnlyDictionary<string, double> Losses,
    double TotalLoss,
    double LearningRate,
    double SamplesPerSecond,
    TimeSpan Elapsed,
    TimeSpan EstimatedRemaining);
