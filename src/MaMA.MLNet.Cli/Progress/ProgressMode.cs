namespace MaMA.MLNet.Cli.Progress;

/// <summary>How progress is shown.</summary>
internal enum ProgressMode
{
    /// <summary>Rate-limited key=value lines on standard error.</summary>
    Plain,

    /// <summary>Live bars on an interactive terminal.</summary>
    Live,
}
