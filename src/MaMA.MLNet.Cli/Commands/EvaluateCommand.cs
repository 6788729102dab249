using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MaMA.MLNet.Cli.Progress;
using MaMA.MLNet.Cli.Reports;
using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Evaluation;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Modeling.Tokenization;
using MaMA.MLNet.Pretraining;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// <c>mama evaluate --model DIR --manifest CSV --task density|birads|cancer [--split test] [--json | --compact-json] [--report FILE.md] [--no-plots]
/// [--on-bad-image fail|skip] [--backend torch|onnx] [--device cpu|cuda|cuda:N|auto]</c>:
/// zero-shot evaluation; prints the metrics beside their chance levels and the confusion matrix as a table (as
/// <c>zeroshot</c> does), or with <c>--json</c> as JSON (balancedAccuracy, auc, confusionMatrix, per-class recall and
/// AUC; indented, or one line with <c>--compact-json</c>), and optionally writes a Markdown report with the same
/// numbers as tables and PNG plots beside it (ROC, confusion matrix, pretraining loss when the model folder has a
/// training log, PCA map of the image embeddings). Progress goes to standard error, so with --json standard output is only the JSON.
/// </summary>
public sealed class EvaluateCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build()
    {
        var modelDir = CommonOptions.Model();
        var manifest = CommonOptions.Manifest();
        var outsidePaths = CommonOptions.AllowOutsidePaths();
        var task = new Option<string>("--task") { Description = "density, birads or cancer.", DefaultValueFactory = _ => "density" };
        var split = CommonOptions.Split();
        var json = CommonOptions.Json();
        // evaluate --json used to mean this (evaluate always printed JSON); --json now means JSON instead of the table, as everywhere.
        var compactJson = new Option<bool>("--compact-json") { Description = "Print the JSON on one line (implies --json)." };
        var report = new Option<string?>("--report") { Description = "Markdown report to write, with PNG plots beside it (FILE-roc.png, -confusion.png, -loss.png, -embeddings.png)." };
        var noPlots = new Option<bool>("--no-plots") { Description = "Write the Markdown report without plots." };
        var badImages = BadImagePolicy.Option();
        var backend = CommonOptions.Backend();
        var device = CommonOptions.Device();
        var command = new Command("evaluate", "Zero-shot evaluation of a MaMA model on a manifest.") { modelDir, manifest, task, split, json, compactJson, report, noPlots, badImages, backend, device };
        command.Options.Add(outsidePaths);
        command.SetAction(parse =>
        {
            if (CommonOptions.ParseBackend(parse.GetValue(backend)) is not { } engine)
                return ExitCodes.Fail($"--backend must be torch or onnx, got '{parse.GetValue(backend)}'.", ExitCodes.Usage);
            var chosen = ParseTask(parse.GetValue(task));
            if (chosen is null) return Fail($"--task must be density, birads or cancer, got '{parse.GetValue(task)}'.", ExitCodes.Usage);
            if (BadImagePolicy.Parse(parse.GetValue(badImages)) is not { } skip) return ExitCodes.Usage;
            if (CommonOptions.TryDevice(parse.GetValue(device), out string deviceName, engine) is int deviceFailure) return deviceFailure;
            string? reportPath = parse.GetValue(report);
            if (reportPath is not null && OutputChecks.File(reportPath, "--report") is int unwritable) return unwritable;
            string? splitText = parse.GetValue(split);
            if (ManifestLoading.TryLoad(splitText, parse.GetValue(manifest)!, out var records, parse.GetValue(outsidePaths)) is int manifestFailure) return manifestFailure;
            var splitValue = ManifestLoading.ParseSplit(splitText);
            var loaded = ManifestLoading.LoadModel(parse.GetValue(modelDir)!, deviceName, engine);
            using var model = loaded.Model;
            ZeroShotScores? scored = null;
            int code = CliProgress.Run(progress =>
                ImageEmbeddings.Score(model, loaded.Tokenizer ?? MaMATokenizer.CreateGpt2(), records, chosen.Value, progress, skip,
                    BadImagePolicy.ListPath(reportPath), out scored, engine, deviceName) ?? ExitCodes.Success);
            if (code != ExitCodes.Success) return code;
            var result = scored!.Report;
            string name = chosen.Value.ToString().ToLowerInvariant();
            bool compact = parse.GetValue(compactJson);
            if (parse.GetValue(json) || compact) WriteJson(result, name, splitValue, compact);
            else Console.Write(ZeroShotCommand.Table(result, name));
            if (reportPath is { } path)
            {
                string markdown = Markdown(result, name, parse.GetValue(modelDir)!, parse.GetValue(manifest)!, splitText);
                if (!parse.GetValue(noPlots)) markdown += EvaluationPlots.Write(scored, name, path, parse.GetValue(modelDir)!);
                File.WriteAllText(path, markdown);
            }
            return ExitCodes.Success;
        });
        return command;
    }

    // The metrics as one JSON document on standard output: indented, or on one line with --compact-json.
    private static void WriteJson(ClassificationReport result, string name, Data.Manifest.DatasetSplit? splitValue, bool compact)
    {
        var chance = ChanceLevels.Of(result);
        var output = new
        {
            task = name,
            split = splitValue?.ToString().ToLowerInvariant(),
            count = result.Count,
            accuracy = result.Accuracy,
            balancedAccuracy = result.BalancedAccuracy,
            auc = result.MacroAuc,
            chance = new { accuracy = chance.Accuracy, balancedAccuracy = chance.BalancedAccuracy, auc = chance.Auc },
            classNames = result.ClassNames,
            recall = result.Recall,
            oneVsRestAuc = result.OneVsRestAuc,
            confusionMatrix = result.ConfusionMatrix,
        };
        Console.WriteLine(JsonSerializer.Serialize(output, new JsonSerializerOptions
        {
            WriteIndented = !compact,
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }));
    }

    /// <summary>The zero-shot task named on a command line, or null.</summary>
    internal static ZeroShotTask? ParseTask(string? text) => (text ?? "").Trim().ToLowerInvariant() switch
    {
        "density" => ZeroShotTask.Density,
        "birads" or "bi-rads" => ZeroShotTask.BiRads,
        "cancer" => ZeroShotTask.Cancer,
        _ => null,
    };

    /// <summary>The report as Markdown: summary, per-class table, confusion matrix (rows = true class).</summary>
    internal static string Markdown(ClassificationReport report, string task, string model, string manifest, string? split)
    {
        static string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("F3", CultureInfo.InvariantCulture);
        var md = new StringBuilder();
        md.AppendLine($"# Zero-shot evaluation: {task}").AppendLine();
        var chance = ChanceLevels.Of(report);
        md.AppendLine($"- Model: `{Path.GetFullPath(model)}`");
        md.AppendLine($"- Manifest: `{Path.GetFullPath(manifest)}`, split: {split ?? "all"}, images: {report.Count}").AppendLine();
        md.AppendLine("| Metric | Value | Chance |").AppendLine("|---|---:|---:|");
        md.AppendLine($"| Accuracy | {F(report.Accuracy)} | {F(chance.Accuracy)} |");
        md.AppendLine($"| Balanced accuracy | {F(report.BalancedAccuracy)} | {F(chance.BalancedAccuracy)} |");
        md.AppendLine($"| Macro AUC (one vs rest) | {F(report.MacroAuc)} | {F(chance.Auc)} |").AppendLine();
        md.AppendLine($"Reading: {ChanceLevels.Reading($"{task} balanced accuracy", report.BalancedAccuracy, chance.BalancedAccuracy)} "
            + ChanceLevels.Reading($"{task} AUC", report.MacroAuc, chance.Auc)).AppendLine();
        md.AppendLine("## Per class").AppendLine();
        md.AppendLine("| Class | Images | Recall | AUC (one vs rest) |").AppendLine("|---|---:|---:|---:|");
        for (int c = 0; c < report.ClassNames.Count; c++)
            md.AppendLine($"| {report.ClassNames[c]} | {report.ConfusionMatrix[c].Sum()} | {F(report.Recall[c])} | {F(report.OneVsRestAuc[c])} |");
        md.AppendLine().AppendLine("## Confusion matrix (rows: true class, columns: predicted)").AppendLine();
        md.AppendLine("| | " + string.Join(" | ", report.ClassNames) + " |");
        md.AppendLine("|---|" + string.Concat(report.ClassNames.Select(_ => "---:|")));
        for (int c = 0; c < report.ClassNames.Count; c++)
            md.AppendLine($"| **{report.ClassNames[c]}** | " + string.Join(" | ", report.ConfusionMatrix[c]) + " |");
        return md.ToString();
    }

    private static int Fail(string message, int code) => ExitCodes.Fail(message, code);
}
