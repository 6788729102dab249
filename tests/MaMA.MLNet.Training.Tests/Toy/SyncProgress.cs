namespace MaMA.MLNet.Training.Tests.Toy;

/// <summary>An <see cref="IProgress{T}"/> that runs its handler at once on the reporting (training) thread.</summary>
internal sealed class SyncProgress(Action<TrainingProgress> handler) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => handler(value);
}
