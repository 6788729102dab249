using System.CommandLine;
using MaMA.MLNet.Components;

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
}
