using System.CommandLine;
using MaMA.MLNet.Components;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>The options several commands share, declared once so their names, help and defaults agree.</summary>
internal static class CommonOptions
{
    /// <summary><c>--model</c>, required: a MaMA model directory (or file, per <paramref name="description"/>).</summary>
    public static Option<string> Model(string description = "MaMA model directory.") =>
        new("--model") { Description = description, Required = true };

    /// <summary><c>--manifest</c>, required: the manifest CSV.</summary>
    public static Option<string> Manifest() => new("--manifest") { Description = "Manifest CSV.", Required = true };

    /// <summary>
    /// <c>--allow-outside-paths</c>, on every command that reads a manifest: relative image paths may lead out of the
    /// manifest's folder (<see cref="Data.Manifest.ManifestReadOptions.AllowPathsOutsideManifestFolder"/>). Off by default.
    /// </summary>
    public static Option<bool> AllowOutsidePaths() => new("--allow-outside-paths")
    {
        Description = "Read relative image paths of the manifest that lead out of its folder (../x.dcm); refused by default (absolute paths are always read).",
    };

    /// <summary><c>--split</c>: the manifest rows to use (null: all).</summary>
    public static Option<string?> Split(string description = "train, validation or test (default: all rows).") =>
        new("--split") { Description = description };

    /// <summary><c>--backend</c>: the engine that runs the image encoder (torch, the default, or onnx).</summary>
    public static Option<string?> Backend() =>
        new("--backend") { Description = "torch (TorchSharp, default) or onnx (ONNX Runtime: the image encoder exported once, then run a batch at a time; faster on a CPU, see BENCHMARKS.md)." };

    /// <summary>The backend <paramref name="text"/> names (null: TorchSharp), or null when it names none.</summary>
    public static MaMAInferenceBackend? ParseBackend(string? text) => (text ?? "torch").Trim().ToLowerInvariant() switch
    {
        "torch" or "torchsharp" => MaMAInferenceBackend.TorchSharp,
        "onnx" or "onnxruntime" => MaMAInferenceBackend.OnnxRuntime,
        _ => null,
    };

    /// <summary>
    /// <c>--device</c>, on every command that runs a model: where TorchSharp runs it (or, with <c>--backend onnx</c>,
    /// which ONNX Runtime execution provider runs the image encoder).
    /// </summary>
    public static Option<string> Device() => new("--device")
    {
        Description = "cpu (default), cuda, cuda:N or auto (CUDA when this build and machine have it, else CPU). "
            + "cuda needs the CUDA build (-p:TorchBackend=cuda) and a GPU, else exit 2; with --backend onnx it uses ONNX Runtime's CUDA provider where the GPU build has it, else the CPU with a warning.",
        DefaultValueFactory = _ => "cpu",
    };

    /// <summary>
    /// <c>--json</c>: JSON on standard output instead of the text for people; the same meaning on every command that
    /// has it (progress and messages stay on standard error, so the output parses as one JSON document).
    /// </summary>
    public static Option<bool> Json() => new("--json")
    {
        Description = "Print JSON on standard output instead of the text for people (progress and messages go to standard error).",
    };

    /// <summary>
    /// <c>--seed</c>, on every command that draws random numbers: one 32-bit integer everywhere. ML.NET's
    /// <c>MLContext</c> and the phantom take an <c>int</c> (TorchSharp's <c>manual_seed</c> and the pretraining options
    /// a <c>long</c>, which holds it); a value outside int's range is exit 2 with one line naming the flag, not a
    /// seed silently cut to 32 bits. <paramref name="description"/> says what it seeds; the default is the command's.
    /// </summary>
    public static Option<int> Seed(string description, int defaultValue) => new("--seed")
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out int seed)) return seed;
            result.AddError($"--seed must be a whole number from -2147483648 to 2147483647, got '{text}'.");
            return 0;
        },
    };

    /// <summary>
    /// Checks a <c>--device</c> value before any work: null and the device name (lower case) when usable; otherwise writes
    /// one line and returns <see cref="ExitCodes.Usage"/>. The ONNX Runtime backend takes cuda even without CUDA (it
    /// falls back to the CPU with a warning, as the library does); TorchSharp needs CUDA to be there.
    /// </summary>
    public static int? TryDevice(string? text, out string device, MaMAInferenceBackend backend = MaMAInferenceBackend.TorchSharp)
    {
        device = "cpu";
        // The library's parser (DeviceName), so the tool accepts exactly the names the components and TorchSharp do.
        if (!DeviceName.TryParse(text ?? "cpu", out var parsed))
            return ExitCodes.Fail("--" + DeviceName.Refusal(text), ExitCodes.Usage);
        device = parsed.ToString();
        if (parsed.IsCuda && backend == MaMAInferenceBackend.TorchSharp && !TorchSharp.torch.cuda.is_available())
            return ExitCodes.Fail($"--device {device}: CUDA is not available here (this tool is built with the CPU TorchSharp backend, "
                + "build it with -p:TorchBackend=cuda, or no GPU is visible); use --device cpu.", ExitCodes.Usage);
        // auto with ONNX Runtime: the CPU (ONNX Runtime has no "auto"; TorchSharp's CUDA says nothing about its providers).
        if (parsed.Kind == DeviceKind.Auto && backend == MaMAInferenceBackend.OnnxRuntime) device = "cpu";
        return null;
    }

    /// <summary>
    /// Checks a <c>--frozen-text-dtype</c> value (float32, bfloat16 or float16): null when good, else one line naming the
    /// flag and <see cref="ExitCodes.Usage"/> (the config's own check names its property).
    /// </summary>
    public static int? TryFrozenTextDType(string text)
    {
        // The config's own spellings (bf16, fp16, half, ...) stay accepted; float64 is no storage type for the frozen base.
        try
        {
            if (TorchRuntime.ParseDType(text ?? "") != TorchSharp.torch.ScalarType.Float64) return null;
        }
        catch (ArgumentException)
        {
        }
        return ExitCodes.Fail($"--frozen-text-dtype must be float32, bfloat16 or float16, got '{text}'.", ExitCodes.Usage);
    }

    /// <summary>The TorchSharp device a checked <c>--device</c> name stands for.</summary>
    public static TorchSharp.torch.Device TorchDevice(string device) => TorchRuntime.ResolveDevice(device);

    /// <summary>Loads a model directory onto <paramref name="device"/> (a name checked by <see cref="TryDevice"/>).</summary>
    public static LoadedMaMAModel LoadModel(string directory, string device = "cpu") =>
        MaMAModelDirectory.Load(directory, device == "cpu" ? null : TorchDevice(device));
}
