using System.Collections.Concurrent;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace MaMA.MLNet.Cli.Progress;

/// <summary>
/// The time-left column of a live progress row: the estimate the work reported (a training run under <c>--minutes</c>
/// ends at its budget, whatever its steps say), else Spectre's own from the rate so far.
/// </summary>
internal sealed class RemainingColumn(TimeProvider? clock = null) : ProgressColumn
{
    // Spectre's task state holds value types only, so the estimates live here, by task id, with when they were given.
    private readonly ConcurrentDictionary<int, (TimeSpan Remaining, DateTimeOffset At)> _reported = new();
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <inheritdoc />
    protected override bool NoWrap => true;

    /// <summary>Sets the estimate for <paramref name="task"/> (null: use the rate).</summary>
    public void Set(ProgressTask task, TimeSpan? remaining)
    {
        if (remaining is { } r) _reported[task.Id] = (r, _clock.GetUtcNow());
        else _reported.TryRemove(task.Id, out _);
    }

    /// <inheritdoc />
    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
    {
        if (task.IsFinished) return new Text("--:--:--", new Style(Color.Blue));
        TimeSpan? left = _reported.TryGetValue(task.Id, out var r)
            ? r.Remaining - (_clock.GetUtcNow() - r.At) // counts down between reports
            : task.RemainingTime;
        if (left is not { } value) return new Text("--:--:--", new Style(Color.Blue));
        if (value < TimeSpan.Zero) value = TimeSpan.Zero;
        return new Text($"{(int)value.TotalHours:00}:{value.Minutes:00}:{value.Seconds:00}", new Style(Color.Blue));
    }
}
