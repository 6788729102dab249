using System.CommandLine;
using System.Text.Json;
using MaMA.MLNet.Cli.Progress;
using MaMA.MLNet.Components;
using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Evaluation;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Preprocessing;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Pretraining;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// <c>mama finetune --model DIR --manifest CSV --task density|birads|cancer --mode probe|full --out FILE.mama.zip
/// [--steps N] [--on-bad-image fail|skip] [--device D]</c>: trains a MaMA classifier on the manifest's labelled images and saves the pipeline
/// (LoadMammograms then the classifier; input column Path) as a MaMA model file.
/// </summary>
public sealed class FinetuneCommand : ICliCommand
{
    private sealed class Row
    {
        public string Path { get; set; } = "";
        public string Label { get; set; } = "";
    }

    private sealed class KeyRow
    {
        public string Label { get; set; } = "";
    }

    /// <inheritdoc />
    public Command Build()
    {
        var modelDir = CommonOptions.Model();
        var manifest = CommonOptions.Manifest();
        var outsidePaths = CommonOptions.AllowOutsidePaths();
        var task = new Option<string>("--task") { Description = "density, birads or cancer.", DefaultValueFactory = _ => "density" };
        var mode = new Option<string>("--mode") { Description = "probe (frozen encoder) or full.", DefaultValueFactory = _ => "probe" };
        var output = new Option<string>("--out") { Description = "Model file to write (.mama.zip).", Required = true };
        var steps = new Option<int>("--steps") { Description = "Optimiser steps.", DefaultValueFactory = _ => 200 };
        var batchSize = new Option<int>("--batch-size") { Description = "Training batch size.", DefaultValueFactory = _ => 16 };
        var learningRate = new Option<double>("--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => 5e-4 };
        var split = CommonOptions.Split("Rows to train on: train, validation or test (default: the train split, or all rows when there is none).");
        var validation = new Option<double>("--validation-fraction") { Description = "Held-out fraction for early stopping (0 = none)." };
        var seed = CommonOptions.Seed("Seed of the head initialisation, sampling and the validation split.", 0);
        var device = CommonOptions.Device();
        var badImages = BadImagePolicy.Option();
        var command = new Command("finetune", "Train a MaMA classifier (linear probe or full fine-tuning) on labelled images.")
            { modelDir, manifest, task, mode, output, steps, batchSize, learningRate, split, validation, seed, device, badImages };
        command.Options.Add(outsidePaths);
        command.SetAction(parse =>
        {
            var chosen = EvaluateCommand.ParseTask(parse.GetValue(task));
            if (chosen is null) return Fail($"--task must be density, birads or cancer, got '{parse.GetValue(task)}'.", ExitCodes.Usage);
            FineTuneMode? chosenMode = (parse.GetValue(mode) ?? "").Trim().ToLowerInvariant() switch
            {
                "probe" or "linear-probe" => FineTuneMode.LinearProbe,
                "full" => FineTuneMode.FullFineTune,
                _ => null,
            };
            if (chosenMode is null) return Fail($"--mode must be probe or full, got '{parse.GetValue(mode)}'.", ExitCodes.Usage);
            string? splitText = parse.GetValue(split);
            var splitValue = ManifestLoading.ParseSplit(splitText);
            if (splitText is not null && splitValue is null) return Fail($"--split must be train, validation or test, got '{splitText}'.", ExitCodes.Usage);
            if (CommonOptions.TryDevice(parse.GetValue(device), out string deviceName) is int deviceFailure) return deviceFailure;
            if (BadImagePolicy.Parse(parse.GetValue(badImages)) is not { } skip) return ExitCodes.Usage;
            var options = new FineTuneOptions
            {
                ModelDirectory = parse.GetValue(modelDir)!,
                Mode = chosenMode.Value,
                Steps = parse.GetValue(steps),
                WarmupSteps = Math.Min(10, Math.Max(0, parse.GetValue(steps) / 10)),
                TrainingBatchSize = parse.GetValue(batchSize),
                LearningRate = parse.GetValue(learningRate),
                MinLearningRate = Math.Min(1e-5, parse.GetValue(learningRate)),
                ValidationFraction = parse.GetValue(validation),
                Seed = parse.GetValue(seed),
                Device = deviceName,
            };
            if (options.Steps < 1) return Fail($"--steps must be at least 1, got {options.Steps}.", ExitCodes.Usage);
            if (options.TrainingBatchSize < 1) return Fail($"--batch-size must be at least 1, got {options.TrainingBatchSize}.", ExitCodes.Usage);
            if (!(options.LearningRate > 0)) return Fail($"--lr must be positive, got {options.LearningRate}.", ExitCodes.Usage);
            if (options.ValidationFraction is < 0 or >= 1) return Fail($"--validation-fraction must be at least 0 and below 1, got {options.ValidationFraction}.", ExitCodes.Usage);
            try { options.Validate(); }
            catch (ArgumentException e) { return Fail(e.Message, ExitCodes.Usage); }
            // Before the training, so an unwritable --out does not lose the trained head.
            if (OutputChecks.File(parse.GetValue(output)!, "--out") is int unwritable) return unwritable;

            var (records, error) = ManifestLoading.Load(parse.GetValue(manifest)!, splitValue, parse.GetValue(outsidePaths));
            if (records is null) return Fail(error!, ExitCodes.BadInput);
            // Without --split, train on the train split when the manifest has one: the other splits stay held out for evaluation.
            if (splitText is null && records.Any(r => r.Split == MaMA.MLNet.Data.Manifest.DatasetSplit.Train))
            {
                records = records.Where(r => r.Split == MaMA.MLNet.Data.Manifest.DatasetSplit.Train).ToList();
                Console.Error.WriteLine($"Training on the manifest's train split ({records.Count} images); --split chooses another.");
            }
            var classNames = ZeroShotPrompts.ClassNames(chosen.Value);
            var labelled = records.Select(r => (Record: r, Label: MaMAZeroShotEvaluation.Label(r, chosen.Value)))
                .Where(x => x.Label is { } l && l >= 0 && l < classNames.Count).ToList();
            if (labelled.Count == 0) return Fail($"No image in the manifest has a {chosen} label.", ExitCodes.BadInput);
            // The pipeline stops at the first unreadable image, after whatever training it did: find them first.
            if (BadImagePolicy.Screen(labelled.Select(x => x.Record).ToList(), skip, BadImagePolicy.ListPath(parse.GetValue(output)), out var readable) is int badImage)
                return badImage;
            var keep = readable.ToHashSet(ReferenceEqualityComparer.Instance);
            var rows = labelled.Where(x => keep.Contains(x.Record))
                .Select(x => new Row { Path = x.Record.ImagePath, Label = classNames[x.Label!.Value] }).ToList();

            // A missing or bad model directory ends in UserErrors (exit 3, one line).
            var config = MaMAConfig.FromJson(File.ReadAllText(Path.Combine(options.ModelDirectory, MaMAModelDirectory.ConfigFile)), options.ModelDirectory);

            var ml = new MLContext(seed: options.Seed);
            var data = ml.Data.LoadFromEnumerable(rows);
            var keyed = ml.Transforms.Conversion.MapValueToKey("Label", keyData: ml.Data.LoadFromEnumerable(classNames.Select(n => new KeyRow { Label = n })))
                .Fit(data).Transform(data);
            var loading = new LoadMammogramsOptions { Preprocessing = new PreprocessingOptions { ImageSize = config.ImageSize } };
            TransformerChain<FineTuneTransformer>? model = null;
            ClassificationReport? report = null;
            CliProgress.Run(progress =>
            {
                // Step progress as pretrain shows it (loss, learning rate, images/s, time left); early stopping may end it sooner.
                using (var stage = progress.Stage($"fine-tune {rows.Count} images", options.Steps))
                {
                    options.Progress = new TrainingStage(stage);
                    model = ml.Transforms.LoadMammograms("Image", "Path", loading).Append(ml.MulticlassClassification.Trainers.MaMAFineTune(options)).Fit(keyed);
                }
                using (progress.Stage("score the training images", 0))
                    report = ClassificationEvaluator.Evaluate(model.Transform(keyed), "Label", "Score");
                ml.Model.SaveMaMA(model, keyed.Schema, parse.GetValue(output)!);
                return ExitCodes.Success;
            });
            var history = model!.LastTransformer.History!;
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                task = chosen.Value.ToString().ToLowerInvariant(),
                mode = chosenMode.Value.ToString(),
                images = rows.Count,
                stepsRun = history.StepsRun,
                stoppedEarly = history.StoppedEarly,
                bestValidationLoss = history.BestValidationLoss,
                finalTrainingLoss = history.TrainingLoss[^1],
                trainingBalancedAccuracy = report!.BalancedAccuracy,
                output = parse.GetValue(output),
            }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
            return ExitCodes.Success;
        });
        return command;
    }

    private static int Fail(string message, int code) => ExitCodes.Fail(message, code);
}
