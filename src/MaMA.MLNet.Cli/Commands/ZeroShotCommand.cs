using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MaMA.MLNet.Cli.Progress;
using MaMA.MLNet.Cli.Reports;
using MaMA.MLNet.Evaluation;
using MaMA.MLNet.Modeling.Tokenization;
using MaMA.MLNet.Pretraining;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// <c>mama zeroshot --model DIR --manifest CSV --task density|birads|cancer [--split test] [--json] [--on-bad-image fail|skip]
/// [--backend torch|onnx] [--device cpu|cuda|cuda:N|auto]</c>:
/// zero-shot classification of the manifest's images; prints balanced accuracy, macro AUC and the confusion matrix as a
/// table next to their chance levels, or as JSON with <c>--json</c> (progress on standard error).
/// </summary>
public sealed class ZeroShotCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build()
    {
        var modelDir = CommonOptions.Model("Model folder (written by mama pretrain: DIR/model).");
        var manifest = CommonOptions.Manifest();
        var outsidePaths = CommonOptions.AllowOutsidePaths();
        var task = new Option<string>("--task") { Description = "density, birads or cancer.", DefaultValueFactory = _ => "density" };
        var split = CommonOptions.Split();
        var json = CommonOptions.Json();
        var badImages = BadImagePolicy.Option();
        var backend = CommonOptions.Backend();
        var device = CommonOptions.Device();
        var command = new Command("zeroshot", "Zero-shot classification with a MaMA model.") { modelDir, manifest, task, split, json, badImages, backend, device };
        command.Options.Add(outsidePaths);
        command.SetAction(parse =>
        {
            if (CommonOptions.ParseBackend(parse.GetValue(backend)) is not { } engine)
                return ExitCodes.Fail($"--backend must be torch or onnx, got '{parse.GetValue(backend)}'.", ExitCodes.Usage);
            var chosen = EvaluateCommand.ParseTask(parse.GetValue(task));
            if (chosen is null) return Fail($"--task must be density, birads or cancer, got '{parse.GetValue(task)}'.", ExitCodes.Usage);
            if (BadImagePolicy.Parse(parse.GetValue(badImages)) is not { } skip) return ExitCodes.Usage;
            if (CommonOptions.TryDevice(parse.GetValue(device), out string deviceName, engine) is int deviceFailure) return deviceFailure;
            if (ManifestLoading.TryLoad(parse.GetValue(split), parse.GetValue(manifest)!, out var records, parse.GetValue(outsidePaths)) is int manifestFailure) return manifestFailure;
            var loaded = ManifestLoading.LoadModel(parse.GetValue(modelDir)!, deviceName, engine);
            using var model = loaded.Model;
            var tokenizer = loaded.Tokenizer ?? MaMATokenizer.CreateGpt2();
            ZeroShotScores? scored = null;
            int code = CliProgress.Run(progress =>
                ImageEmbeddings.Score(model, tokenizer, records, chosen.Value, progress, skip, BadImagePolicy.ListPath(null), out scored, engine, deviceName) ?? ExitCodes.Success);
            if (code != ExitCodes.Success) return code;
            var report = scored!.Report;
            string name = chosen.Value.ToString().ToLowerInvariant();
            if (!parse.GetValue(json))
            {
                Console.Write(Table(report, name));
                return ExitCodes.Success;
            }
            var output = new
            {
                task = name,
                count = report.Count,
                accuracy = report.Accuracy,
                balancedAccuracy = report.BalancedAccuracy,
                auc = report.MacroAuc,
                classNames = report.ClassNames,
                confusionMatrix = report.ConfusionMatrix,
            };
            Console.WriteLine(JsonSerializer.Serialize(output, new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The metrics next to their chance levels and the confusion matrix, as aligned text.</summary>
    internal static string Table(ClassificationReport report, string task)
    {
        static string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("F3", CultureInfo.InvariantCulture);
        var chance = ChanceLevels.Of(report);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Zero-shot {task} on {report.Count} images");
        text.AppendLine();
        text.AppendLine("metric             value   chance");
        text.AppendLine(CultureInfo.InvariantCulture, $"accuracy           {F(report.Accuracy)}   {F(chance.Accuracy)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"balanced accuracy  {F(report.BalancedAccuracy)}   {F(chance.BalancedAccuracy)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"macro AUC          {F(report.MacroAuc)}   {F(chance.Auc)}");
        text.AppendLine();
        text.AppendLine("confusion matrix (rows: true class, columns: predicted)");
        int width = Math.Max(6, report.ClassNames.Max(n => n.Length) + 1);
        text.Append(new string(' ', width));
        foreach (var n in report.ClassNames) text.Append(n.PadLeft(width));
        text.AppendLine();
        for (int c = 0; c < report.ClassNames.Count; c++)
        {
            text.Append(report.ClassNames[c].PadRight(width));
            foreach (var v in report.ConfusionMatrix[c]) text.Append(v.ToString(CultureInfo.InvariantCulture).PadLeft(width));
            text.AppendLine();
        }
        return text.ToString();
    }

    private static int Fail(string message, int code) => ExitCodes.Fail(message, code);
}
