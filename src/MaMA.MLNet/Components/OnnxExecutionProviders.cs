using MaMA.MLNet.Modeling;
using Microsoft.ML.OnnxRuntime;

namespace MaMA.MLNet.Components;

/// <summary>
/// Puts the execution provider a device names on ONNX Runtime session options: <c>cpu</c>, or <c>cuda</c> /
/// <c>cuda:N</c> for the CUDA execution provider. The CUDA provider is in the native library only when the GPU build
/// is referenced (<c>-p:OnnxRuntimeBackend=gpu</c>, see Directory.Build.props) and loads only where a CUDA driver and
/// GPU are present; when it cannot be had, the session runs on the CPU and <c>warn</c> hears why.
/// </summary>
public static class OnnxExecutionProviders
{
    /// <summary>Whether this build references the ONNX Runtime GPU package (the <c>OnnxRuntimeBackend=gpu</c> switch).</summary>
    public static bool GpuBuild =>
#if MAMA_ONNXRUNTIME_GPU
        true;
#else
        false;
#endif

    /// <summary>
    /// Configures <paramref name="options"/> for <paramref name="device"/> (a <see cref="DeviceName"/>; <c>auto</c> is the
    /// CPU here, since ONNX Runtime has no "auto" and TorchSharp's CUDA says nothing about its providers); returns the
    /// provider it will run on (<c>CPU</c> or <c>CUDA</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The device is no device name (<see cref="DeviceName.Parse"/>).</exception>
    public static string Configure(SessionOptions options, string device, Action<string> warn)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(warn);
        var parsed = DeviceName.Parse(device, nameof(device));
        if (!parsed.IsCuda) return "CPU";
        int ordinal = parsed.Index ?? 0;
        if (!GpuBuild)
        {
            warn($"warning: device '{device}' asked for the CUDA execution provider, but this build references the CPU ONNX Runtime (build with -p:OnnxRuntimeBackend=gpu); running on the CPU.");
            return "CPU";
        }
        try
        {
            options.AppendExecutionProvider_CUDA(ordinal);
            return "CUDA";
        }
        catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
        {
            warn($"warning: the CUDA execution provider is not available here ({e.Message.Trim()}); running on the CPU.");
            return "CPU";
        }
    }
}
