using System.Globalization;

namespace MaMA.MLNet.Modeling;

/// <summary>The kinds of device a device name can ask for.</summary>
public enum DeviceKind
{
    /// <summary>The CPU.</summary>
    Cpu,
    /// <summary>A CUDA GPU (<see cref="DeviceName.Index"/> says which, or none for the default one).</summary>
    Cuda,
    /// <summary>CUDA when it is there, else the CPU (decided where the name is used).</summary>
    Auto,
}

/// <summary>
/// A parsed device name: <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c> (N a whole number, no sign) or <c>auto</c>, in any case,
/// surrounding spaces ignored. Every entry point (TorchSharp's <see cref="TorchRuntime.ResolveDevice"/>, the components'
/// options, ONNX Runtime's execution providers, the tool's <c>--device</c>) parses with it, so they accept and refuse
/// the same names with the same message. Whether the device is there is each backend's own question.
/// </summary>
/// <param name="Kind">cpu, cuda or auto.</param>
/// <param name="Index">The GPU index of <c>cuda:N</c>; null for <c>cuda</c> and the other kinds.</param>
public readonly record struct DeviceName(DeviceKind Kind, int? Index = null)
{
    /// <summary>The names accepted, as the error message lists them.</summary>
    public const string Accepted = "cpu, cuda, cuda:N or auto";

    /// <summary>The CPU.</summary>
    public static DeviceName Cpu => new(DeviceKind.Cpu);

    /// <summary>Whether the name asks for CUDA (<c>cuda</c> or <c>cuda:N</c>).</summary>
    public bool IsCuda => Kind == DeviceKind.Cuda;

    /// <summary>Parses <paramref name="text"/>; false (and the CPU) when it is no device name.</summary>
    public static bool TryParse(string? text, out DeviceName device)
    {
        device = Cpu;
        string n = (text ?? "").Trim().ToLowerInvariant();
        switch (n)
        {
            case "cpu":
                return true;
            case "auto":
                device = new DeviceName(DeviceKind.Auto);
                return true;
            case "cuda":
                device = new DeviceName(DeviceKind.Cuda);
                return true;
        }
        // NumberStyles.None: digits only, so "cuda:-1", "cuda:+1" and "cuda: 1" are refused, and an index past int is too.
        if (n.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(n.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            device = new DeviceName(DeviceKind.Cuda, index);
            return true;
        }
        return false;
    }

    /// <summary>Parses <paramref name="text"/>.</summary>
    /// <param name="text">The device name.</param>
    /// <param name="parameterName">The parameter or property the name came from, for the exception.</param>
    /// <exception cref="ArgumentException">The text is no device name; the message names it (<see cref="Refusal"/>).</exception>
    public static DeviceName Parse(string? text, string? parameterName = null) =>
        TryParse(text, out var device) ? device : throw new ArgumentException(Refusal(text), parameterName);

    /// <summary>
    /// The one message for a refused name: "<paramref name="what"/> must be cpu, cuda, cuda:N or auto, got 'TEXT'."
    /// (the tool passes <c>--device</c>).
    /// </summary>
    public static string Refusal(string? text, string what = "device") => $"{what} must be {Accepted}, got '{text}'.";

    /// <summary>The canonical name: cpu, cuda, cuda:N or auto (what TorchSharp's <c>torch.device</c> reads for the first three).</summary>
    public override string ToString() => Kind switch
    {
        DeviceKind.Cpu => "cpu",
        DeviceKind.Auto => "auto",
        _ => Index is int index ? "cuda:" + index.ToString(CultureInfo.InvariantCulture) : "cuda",
    };
}
