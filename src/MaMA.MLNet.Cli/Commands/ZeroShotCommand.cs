using System.CommandLine;
using System.Text.Json;
using MaMA.MLNet.Cli.Progress;
using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Modeling.Tokenization;
using MaMA.MLNet.Pretraining;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// <c>mama zeroshot --model DIR --manifest CSV --task density|birads|cancer [--split test] [--json]</c>: zero-shot
/// classification of the manifest's images; prints balanced accuracy, macro AUC and the confusion matrix (progress on standard error).
/// </summary>
public sealed class ZeroShotCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build()
    {
        var modelDir = CommonOptions.Model("Model folder (written by mama pretrain: DIR/model).");
        var manifest = CommonOptions.Manifest();
        var task = new Option<string>("--task") { Description = "density, birads or cancer.", DefaultValueFactory = _ => "density" };
        var split = CommonOptions.Split();
        var json = new Option<bool>("--json") { Description = "Print only JSON." };
        var backend = CommonOptions.Backend();
        var command = new Command("zeroshot", "Zero-shot classification with a MaMA model.") { modelDir, manifest, task, split, json, backend };
        command.SetAction(parse =>
        {
            if (CommonOptions.ParseBackend(parse.GetValue(backend)) is not { } engine)
                return ExitCodes.Fail($"--backend must be torch or onnx, got '{parse.GetValue(backend)}'.", ExitCodes.Usage);
            ZeroShotTask? chosen = (parse.GetValue(task) ?? "").Trim().ToLowerInvariant() switch
            {
                "density" => ZeroShotTask.Density,
                "birads" or "bi-rads" => ZeroShotTask.BiRads,
                "cancer" => ZeroShotTask.Cancer,
                _ => null,
            };
            if (chosen is null) return Fail($"--task must be density, birads or cancer, got '{parse.GetValue(task)}'.", ExitCodes.Usage);
            if (ManifestLoading.TryLoad(parse.GetValue(split), parse.GetValue(manifest)!, out var records) is int manifestFailure) return manifestFailure;
            if (ManifestLoading.TryLoadModel(parse.GetValue(modelDir)!, out var loaded) is int modelFailure) return modelFailure;
            using var model = loaded!.Model;
            var tokenizer = loaded.Tokenizer ?? MaMATokenizer.CreateGpt2();
            try
            {
                ZeroShotScores? scored = null;
                CliProgress.Run(progress =>
                {
                    scored = ImageEmbeddings.Score(model, tokenizer, records, chosen.Value, progress, engine);
                    return ExitCodes.Success;
                });
                var report = scored?.Report;
                if (report is null) return Fail($"No image in the manifest has a {chosen} label.", ExitCodes.BadInput);
                var output = new
                {
                    task = chosen.Value.ToString().ToLowerInvariant(),
                    count = report.Count,
                    accuracy = report.Accuracy,
                    balancedAccuracy = report.BalancedAccuracy,
                    auc = report.MacroAuc,
                    classNames = report.ClassNames,
                    confusionMatrix = report.ConfusionMatrix,
                };
                string text = JsonSerializer.Serialize(output, new JsonSerializerOptions { WriteIndented = !parse.GetValue(json), NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });
                Console.WriteLine(text);
                return ExitCodes.Success;
            }
            catch (MammogramReadException e)
            {
                return Fail(e.Message, ExitCodes.BadInput);
            }
        });
        return command;
    }

    private static int Fail(string message, int code) => ExitCodes.Fail(message, code);
}
