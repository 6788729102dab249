using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling;

/// <summary>Resolves device names and seeds TorchSharp in one place, so every component treats them alike.</summary>
public static class TorchRuntime
{
    /// <summary>
    /// Turns a device name (<see cref="DeviceName"/>: <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c> or <c>auto</c>) into a
    /// TorchSharp device; null means <c>auto</c> (CUDA when this build has it and a GPU is present, else CPU).
    /// </summary>
    /// <exception cref="ArgumentException">The name is unknown, or names CUDA where it is not available.</exception>
    public static Device ResolveDevice(string? name)
    {
        var parsed = name is null ? new DeviceName(DeviceKind.Auto) : DeviceName.Parse(name, nameof(name));
        switch (parsed.Kind)
        {
            case DeviceKind.Auto:
                return cuda.is_available() ? CUDA : CPU;
            case DeviceKind.Cpu:
                return CPU;
            default:
                if (!cuda.is_available())
                    throw new ArgumentException(
                        $"Device '{name}' was asked for, but CUDA is not available: this build uses the CPU TorchSharp backend " +
                        "(build with -p:TorchBackend=cuda) or no GPU is visible.", nameof(name));
                return torch.device(parsed.ToString());
        }
    }

    /// <summary>Parses a dtype name (<c>float32</c>, <c>float16</c>, <c>bfloat16</c>, <c>float64</c>).</summary>
    public static ScalarType ParseDType(string name) => name.Trim().ToLowerInvariant() switch
    {
        "float32" or "float" or "fp32" => ScalarType.Float32,
        "float16" or "half" or "fp16" => ScalarType.Float16,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        "float64" or "double" or "fp64" => ScalarType.Float64,
        _ => throw new ArgumentException($"Unknown dtype '{name}': use float32, float16, bfloat16 or float64.", nameof(name)),
    };

    /// <summary>Seeds TorchSharp's CPU and CUDA generators.</summary>
    public static void Seed(long seed)
    {
        torch.manual_seed(seed);
        if (cuda.is_available()) torch.cuda.manual_seed_all(seed);
    }
}
