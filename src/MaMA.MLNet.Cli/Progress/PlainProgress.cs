using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace MaMA.MLNet.Cli.Progress;

/// <summary>
/// Progress as plain lines on a writer (standard error), at most one per stage every <c>interval</c> and one when a
/// stage finishes, in key=value form that scripts can read:
/// <c>progress stage=embed done=64 total=200 percent=32.0 elapsed_s=5.0 eta_s=10.6 detail="..."</c>, and
/// <c>... state=done</c> at the end. Log lines go to their own writer (standard output) as they are.
/// </summary>
internal sealed class PlainProgress : ICliProgress
{
    /// <summary>The shortest time between two running lines of one stage.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);

    private readonly TextWriter _log;
    private readonly TextWriter _progress;
    private readonly Func<TimeSpan> _clock;
    private readonly TimeSpan _interval;

    /// <summary>Creates the reporter; <paramref name="clock"/> (default: a stopwatch) lets tests drive time.</summary>
    public PlainProgress(TextWriter log, TextWriter progress, TimeSpan? interval = null, Func<TimeSpan>? clock = null)
    {
        _log = log;
        _progress = progress;
        _interval = interval ?? DefaultInterval;
        if (clock is null)
        {
            var watch = Stopwatch.StartNew();
            clock = () => watch.Elapsed;
        }
        _clock = clock;
    }

    /// <inheritdoc />
    public IProgressStage Stage(string name, long total) => new PlainStage(this, name, total);

    /// <inheritdoc />
    public void Log(string line)
    {
        lock (_progress) _log.WriteLine(line);
    }

    private sealed class PlainStage(PlainProgress owner, string name, long total) : IProgressStage
    {
        private readonly TimeSpan _start = owner._clock();
        private TimeSpan _lastLine = owner._clock();
        private long _done;
        private string? _detail;
        private TimeSpan? _remaining;
        private bool _finished;

        public long Total { get; set; } = total;

        public void Report(long done, string? detail = null, TimeSpan? remaining = null)
        {
            lock (owner._progress)
            {
                if (_finished) return;
                // Reports from worker threads may arrive out of order; the count never goes back.
                _done = Math.Max(_done, done);
                _detail = detail ?? _detail;
                _remaining = remaining;
                var now = owner._clock();
                if (now - _lastLine < owner._interval) return;
                _lastLine = now;
                owner._progress.WriteLine(Line(now, state: null));
            }
        }

        public void Dispose()
        {
            lock (owner._progress)
            {
                if (_finished) return;
                _finished = true;
                owner._progress.WriteLine(Line(owner._clock(), "done"));
            }
        }

        private string Line(TimeSpan now, string? state)
        {
            double elapsed = (now - _start).TotalSeconds;
            var line = new StringBuilder("progress stage=").Append(Token(name));
            line.Append(CultureInfo.InvariantCulture, $" done={_done}");
            if (Total > 0)
            {
                line.Append(CultureInfo.InvariantCulture, $" total={Total} percent={100.0 * _done / Total:F1}");
            }
            line.Append(CultureInfo.InvariantCulture, $" elapsed_s={elapsed:F1}");
            if (state is null && Total > 0 && _done > 0 && _done < Total)
                line.Append(CultureInfo.InvariantCulture, $" eta_s={(_remaining ?? TimeSpan.FromSeconds(elapsed / _done * (Total - _done))).TotalSeconds:F1}");
            if (state is not null) line.Append(" state=").Append(state);
            if (!string.IsNullOrEmpty(_detail)) line.Append(" detail=\"").Append(_detail.Replace("\"", "'", StringComparison.Ordinal)).Append('"');
            return line.ToString();
        }

        // Stage names are single tokens in the line: spaces become dashes.
        private static string Token(string text) => text.Trim().Replace(' ', '-');
    }
}
