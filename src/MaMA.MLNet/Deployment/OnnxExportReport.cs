namespace MaMA.MLNet.Deployment;

/// <summary>What <c>MaMAOnnxDeployment.ExportAndCheck</c> wrote and how well ONNX Runtime agreed with TorchSharp.</summary>
/// <param name="Path">The .onnx file written.</param>
/// <param name="ExternalDataPath">The external weight file beside it, or null when the weights are inline.</param>
/// <param name="CheckedOutput">The output compared (e.g. <c>embedding</c>, <c>probabilities</c>).</param>
/// <param name="MaxAbsDiff">Largest absolute difference between ONNX Runtime and the TorchSharp model on one random input.</param>
/// <param name="Tolerance">The tolerance the check used.</param>
public sealed record OnnxExportReport(string Path, string? ExternalDataPath, string CheckedOutput, double MaxAbsDiff, double Tolerance)
{
    /// <summary>Whether the difference is within the tolerance.</summary>
    public bool Passed => MaxAbsDiff <= Tolerance;
}
