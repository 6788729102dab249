namespace MaMA.MLNet.Onnx;

/// <summary>
/// An ONNX export could not be done: a weight is missing or has the wrong shape, the configuration is
/// inconsistent, or the graph is malformed. The message names the item and the problem.
/// </summary>
public sealed class OnnxExportException : Exception
{
    /// <summary>Creates the exception with a message that names the item and the problem.</summary>
    public OnnxExportException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public OnnxExportException(string message, Exception innerException) : base(message, innerException) { }
}
