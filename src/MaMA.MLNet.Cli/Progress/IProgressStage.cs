namespace MaMA.MLNet.Cli.Progress;

/// <summary>One stage of a command's work; disposing it marks it finished. Safe to report from any thread.</summary>
internal interface IProgressStage : IDisposable
{
    /// <summary>Units in the stage (0 or less: unknown); may change, e.g. when a resumed run knows its end.</summary>
    long Total { get; set; }

    /// <summary>
    /// Reports <paramref name="done"/> units finished, with an optional short detail (e.g. the current loss) and the
    /// time left as the work itself estimates it (e.g. a training run that also stops at a time budget); without it
    /// the display estimates from the rate so far.
    /// </summary>
    void Report(long done, string? detail = null, TimeSpan? remaining = null);
}
