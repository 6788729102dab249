namespace MaMA.MLNet.Cli.Progress;

/// <summary>An <see cref="IProgress{T}"/> of a count of done units that reports them on a stage, synchronously.</summary>
internal sealed class StageCounter(IProgressStage stage) : IProgress<int>
{
    /// <inheritdoc />
    public void Report(int value) => stage.Report(value);
}
