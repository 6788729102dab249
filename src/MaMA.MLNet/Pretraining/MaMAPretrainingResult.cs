using MaMA.MLNet.Training;

namespace MaMA.MLNet.Pretraining;

/// <summary>What a pretraining run produced.</summary>
/// <param name="Training">How the training loop ended.</param>
/// <param name="ModelDirectory">The saved model (<c>MaMAModelDirectory</c> format).</param>
/// <param name="LogPath">The JSON-lines training log.</param>
public sealed record MaMAPretrainingResult(TrainingResult Training, string ModelDirectory, string LogPath)
{
    /// <summary>With <see cref="MaMAPretrainingOptions.SelectBy"/>: the validation step whose weights were saved; else null.</summary>
    public long? SelectedStep { get; init; }
}
