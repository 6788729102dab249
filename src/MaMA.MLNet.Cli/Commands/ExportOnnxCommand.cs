using System.CommandLine;
using System.Globalization;
using MaMA.MLNet.Components;
using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Deployment;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Weights;
using MaMA.MLNet.Onnx;
using Microsoft.ML;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// <c>mama export-onnx --model DIR|FILE.mama.zip --out FILE --part image|text|zeroshot|classifier|similarity [--image-size N] [--task T] [--head FILE]</c>:
/// exports one part of a MaMA model directory (or the fine-tuned classifier of a <c>mama finetune</c> pipeline file) to ONNX, then runs the file in ONNX Runtime on one random input and
/// compares it with the TorchSharp model (exit <see cref="ExitCodes.CheckFailed"/> above 1e-4).
/// </summary>
public sealed class ExportOnnxCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build()
    {
        var model = CommonOptions.Model("A MaMA model directory (config.json, model.safetensors, tokenizer/), or a .mama.zip from mama finetune (with --part classifier).");
        var output = new Option<string>("--out") { Description = "The .onnx file to write.", Required = true };
        var part = new Option<string>("--part") { Description = "What to export: image, text, zeroshot, classifier, or similarity (the patch-sentence similarity mama explain draws).", Required = true };
        part.AcceptOnlyFromAmong("image", "text", "zeroshot", "classifier", "similarity");
        var imageSize = new Option<int?>("--image-size") { Description = "Square input size in pixels (a multiple of the patch size, 32 for a ResNet); default: the model's." };
        var task = new Option<string?>("--task") { Description = "Zero-shot task: density, birads or cancer." };
        task.AcceptOnlyFromAmong("density", "birads", "cancer");
        var head = new Option<string?>("--head") { Description = "Classifier head file (safetensors or torch) with weight [C, D] and bias [C]." };
        var seed = CommonOptions.Seed("Seed of the random check input.", 0);

        var command = new Command("export-onnx", "Export a MaMA model part to ONNX and check it against the TorchSharp model in ONNX Runtime.")
        {
            model, output, part, imageSize, task, head, seed,
        };
        command.SetAction(parsed =>
        {
            var stdout = parsed.InvocationConfiguration.Output;
            var stderr = parsed.InvocationConfiguration.Error;
            var which = parsed.GetValue(part) switch
            {
                "image" => MaMAOnnxPart.Image,
                "text" => MaMAOnnxPart.Text,
                "zeroshot" => MaMAOnnxPart.ZeroShot,
                "similarity" => MaMAOnnxPart.Similarity,
                _ => MaMAOnnxPart.Classifier,
            };
            ZeroShotTask? zeroShotTask = parsed.GetValue(task) switch
            {
                "density" => ZeroShotTask.Density,
                "birads" => ZeroShotTask.BiRads,
                "cancer" => ZeroShotTask.Cancer,
                _ => null,
            };
            if (which == MaMAOnnxPart.ZeroShot && zeroShotTask is null)
                return Fail(stderr, ExitCodes.Usage, "--part zeroshot needs --task density|birads|cancer.");
            string modelPath = parsed.GetValue(model)!;
            if (OutputChecks.File(parsed.GetValue(output)!, "--out") is int unwritable) return unwritable;
            // A file is a saved pipeline (what mama finetune writes): its fine-tuned classifier exports as it is.
            if (File.Exists(modelPath))
            {
                if (which != MaMAOnnxPart.Classifier)
                    return Fail(stderr, ExitCodes.Usage, $"--model {modelPath} is a pipeline file (.mama.zip), which exports with --part classifier; for --part {parsed.GetValue(part)} give a model directory.");
                if (parsed.GetValue(head) is not null)
                    return Fail(stderr, ExitCodes.Usage, "--head does not apply to a pipeline file: its fine-tuned head is exported.");
                return ExportFineTuned(modelPath, parsed.GetValue(output)!, parsed.GetValue(imageSize), parsed.GetValue(seed), stdout, stderr);
            }
            if (which == MaMAOnnxPart.Classifier && parsed.GetValue(head) is null)
                return Fail(stderr, ExitCodes.Usage, "--part classifier needs --head FILE (weight [C, D], bias [C]), or --model a .mama.zip written by mama finetune.");

            // A bad model directory ends in UserErrors (exit 3, one line).
            var loaded = MaMAModelDirectory.Load(parsed.GetValue(model)!);
            using (loaded.Model)
            {
                OnnxExportReport report;
                try
                {
                    report = MaMAOnnxDeployment.ExportAndCheck(loaded, which, parsed.GetValue(output)!, parsed.GetValue(imageSize), zeroShotTask,
                        parsed.GetValue(head), parsed.GetValue(seed));
                }
                // What the exporter refuses (a size that is not a multiple of the patch, a head of the wrong shape) is about
                // the arguments and files given; other failures end in UserErrors.
                catch (ArgumentException e)
                {
                    return Fail(stderr, ExitCodes.BadInput, e.Message);
                }
                return Finish(report, stdout, stderr);
            }
        });
        return command;
    }

    // The last fine-tuned stage of a pipeline file, exported with its head and class names.
    private static int ExportFineTuned(string pipelinePath, string outputPath, int? imageSize, long seed, TextWriter stdout, TextWriter stderr)
    {
        // A bad pipeline file ends in UserErrors (exit 3, one line).
        var pipeline = new MLContext(seed: 1).Model.LoadMaMA(pipelinePath);
        try
        {
            var stages = pipeline is IEnumerable<ITransformer> chain ? chain.ToList() : [pipeline];
            if (stages.OfType<FineTuneTransformer>().LastOrDefault() is not { } classifier)
                return Fail(stderr, ExitCodes.BadInput, $"{pipelinePath} holds no fine-tuned classifier (stages: {string.Join(", ", stages.Select(t => t.GetType().Name))}); export its model directory with --part image, or a head with --head.");
            OnnxExportReport report;
            try { report = MaMAOnnxDeployment.ExportAndCheck(classifier, outputPath, imageSize, seed); }
            catch (ArgumentException e) // about the arguments given (e.g. --image-size); other failures end in UserErrors
            {
                return Fail(stderr, ExitCodes.BadInput, e.Message);
            }
            stdout.WriteLine($"classes: {string.Join(", ", classifier.Head.ClassNames ?? [])}");
            return Finish(report, stdout, stderr);
        }
        finally
        {
            (pipeline as IDisposable)?.Dispose();
        }
    }

    private static int Finish(OnnxExportReport report, TextWriter stdout, TextWriter stderr)
    {
        stdout.WriteLine($"wrote {report.Path}" + (report.ExternalDataPath is { } data ? $" (weights in {data})" : ""));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ONNX Runtime vs TorchSharp, '{report.CheckedOutput}' on one random input: max abs diff {report.MaxAbsDiff:E3} (tolerance {report.Tolerance:E0})"));
        if (report.Passed) return ExitCodes.Success;
        return Fail(stderr, ExitCodes.CheckFailed, "the exported model does not match the TorchSharp model.");
    }

    private static int Fail(TextWriter stderr, int code, string message)
    {
        stderr.WriteLine(message);
        return code;
    }
}
