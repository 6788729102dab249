namespace MaMA.MLNet.Components;

/// <summary>The engine that runs a MaMA encoder inside an ML.NET transformer.</summary>
public enum MaMAInferenceBackend
{
    /// <summary>TorchSharp (libtorch) eager execution on the component's <c>Device</c>.</summary>
    TorchSharp,
    /// <summary>
    /// ONNX Runtime on the CPU: the encoder is exported to ONNX once (or an exported file is given) and whole batches
    /// run through one <c>InferenceSession</c>. Faster than TorchSharp eager on a CPU (see BENCHMARKS.md).
    /// </summary>
    OnnxRuntime,
}
