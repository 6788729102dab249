namespace MaMA.MLNet.Cli.Progress;

/// <summary>One stage of a command's work; disposing it marks it finished. Safe to report from any thread.</summary>
internal interface IProgressStage : IDisposable
{
    /// <summary>Units in the stage (0 or less: unknown); may change, e.g. when a resumed run knows its end.</summary>
    long Total { get; set; }

    /// <summary>Reports <paramref name="done"/> units finished, with an optional short detail (e.g. the current loss).</summary>
    void Report(long done, string? detail = null);
}
