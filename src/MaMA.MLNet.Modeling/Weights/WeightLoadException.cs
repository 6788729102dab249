namespace MaMA.MLNet.Modeling.Weights;

/// <summary>A weight file cannot be read, or its tensors do not fit the model; the message names the file and the problem.</summary>
public sealed class WeightLoadException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public WeightLoadException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the underlying error.</summary>
    public WeightLoadException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception for a strict load that found problems; the report is kept for callers.</summary>
    public WeightLoadException(WeightLoadReport report)
        : base($"Weights from '{report.Source}' do not fit the model:{Environment.NewLine}{report}") => Report = report;

    /// <summary>The load report, when the problem was a mismatch between file and model.</summary>
    public WeightLoadReport? Report { get; }
}
