using MaMA.MLNet.Cli.Commands;
using Spectre.Console;

namespace MaMA.MLNet.Cli.Progress;

/// <summary>Runs a command's work with the progress display that suits where its output goes.</summary>
internal static class CliProgress
{
    /// <summary>The environment variable that forces a mode: <c>plain</c> or <c>live</c>.</summary>
    public const string ModeVariable = "MAMA_PROGRESS";

    /// <summary>
    /// Live bars only when both standard output and standard error are a terminal (so redirected output, <c>--json</c>
    /// pipes and logs never get escape codes), TERM is not <c>dumb</c> and CI is not set; <see cref="ModeVariable"/> overrides.
    /// </summary>
    public static ProgressMode Detect(string? setting, bool outputRedirected, bool errorRedirected, string? term, string? ci) =>
        (setting ?? "").Trim().ToLowerInvariant() switch
        {
            "plain" => ProgressMode.Plain,
            "live" => ProgressMode.Live,
            _ => !outputRedirected && !errorRedirected && term != "dumb" && string.IsNullOrEmpty(ci) ? ProgressMode.Live : ProgressMode.Plain,
        };

    /// <summary>The mode for this process.</summary>
    public static ProgressMode Current => Detect(Environment.GetEnvironmentVariable(ModeVariable), Console.IsOutputRedirected, Console.IsErrorRedirected,
        Environment.GetEnvironmentVariable("TERM"), Environment.GetEnvironmentVariable("CI"));

    /// <summary>
    /// Runs <paramref name="work"/> with progress in the current mode and returns its exit code; plain lines take their
    /// times from <paramref name="clock"/> (default: the system clock; tests pass a fake one).
    /// </summary>
    public static int Run(Func<ICliProgress, int> work, TimeProvider? clock = null) => Run(Current, work, clock);

    /// <summary>Runs <paramref name="work"/> with progress in <paramref name="mode"/>.</summary>
    public static int Run(ProgressMode mode, Func<ICliProgress, int> work, TimeProvider? clock = null)
    {
        if (mode == ProgressMode.Plain)
        {
            Func<TimeSpan>? elapsed = null;
            if (clock is not null)
            {
                long start = clock.GetTimestamp();
                elapsed = () => clock.GetElapsedTime(start);
            }
            return work(new PlainProgress(Console.Out, Console.Error, clock: elapsed));
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Error),
            Ansi = AnsiSupport.Detect,
            ColorSystem = ColorSystemSupport.Detect,
            Interactive = InteractionSupport.Yes,
        });
        int code = ExitCodes.InternalError;
        var details = new DetailColumn();
        var remaining = new RemainingColumn();
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 30 }, new PercentageColumn(),
                new ElapsedTimeColumn(), remaining, new SpinnerColumn(), details)
            .Start(context => code = work(new LiveProgress(context, console, details, remaining)));
        return code;
    }
}
