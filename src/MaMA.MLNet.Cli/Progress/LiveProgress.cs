using Spectre.Console;

namespace MaMA.MLNet.Cli.Progress;

/// <summary>Live Spectre.Console progress bars, one per stage, on an interactive terminal.</summary>
internal sealed class LiveProgress(ProgressContext context, IAnsiConsole console, DetailColumn details, RemainingColumn remaining) : ICliProgress
{
    /// <inheritdoc />
    public IProgressStage Stage(string name, long total) => new LiveStage(context.AddTask(Markup.Escape(name), maxValue: total > 0 ? total : 1), total, details, remaining);

    /// <inheritdoc />
    public void Log(string line) => console.WriteLine(line);

    private sealed class LiveStage : IProgressStage
    {
        private readonly ProgressTask _task;
        private long _total;

        private readonly DetailColumn _details;
        private readonly RemainingColumn _remaining;

        public LiveStage(ProgressTask task, long total, DetailColumn details, RemainingColumn remaining)
        {
            (_task, _details, _remaining) = (task, details, remaining);
            Total = total;
        }

        public long Total
        {
            get => _total;
            set
            {
                _total = value;
                _task.IsIndeterminate = value <= 0;
                if (value > 0) _task.MaxValue = value;
            }
        }

        public void Report(long done, string? detail = null, TimeSpan? remaining = null)
        {
            _task.Value = Math.Max(_task.Value, Math.Min(done, _task.MaxValue));
            if (detail is not null) _details.Set(_task, detail);
            _remaining.Set(_task, remaining);
        }

        public void Dispose()
        {
            _task.IsIndeterminate = false;
            _task.Value = _task.MaxValue;
            _task.StopTask();
        }
    }
}
