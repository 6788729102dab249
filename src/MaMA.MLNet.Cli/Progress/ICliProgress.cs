namespace MaMA.MLNet.Cli.Progress;

/// <summary>
/// How a command shows its long work: stages with a count of done units, and permanent log lines. One
/// implementation draws live bars on a terminal (<see cref="LiveProgress"/>), the other writes plain,
/// rate-limited key=value lines for pipes, CI and tests (<see cref="PlainProgress"/>); <see cref="CliProgress"/> picks.
/// </summary>
internal interface ICliProgress
{
    /// <summary>Starts a stage of <paramref name="total"/> units (0 or less: unknown, shown as a spinner).</summary>
    IProgressStage Stage(string name, long total);

    /// <summary>A line that stays: standard output in plain mode, above the bars in live mode.</summary>
    void Log(string line);
}
