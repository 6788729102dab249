using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Evaluation;
using MaMA.MLNet.Cli.Progress;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Preprocessing;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Weights;
using MaMA.MLNet.Onnx.Weights;
using MaMA.MLNet.Pretraining;
using Microsoft.ML;
using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// <c>mama compare-features --manifest CSV --task density|birads|cancer|mass|calcification|finding [--model DIR]... [--imagenet]
/// [--pretrain-per-fold PRESET]... [--pretrain-steps 600] [--folds 5] [--split S] [--json] [--on-bad-image fail|skip] [--device D]</c>:
/// which frozen image features suit a collection? Raw 32 x 32 pixels, ML.NET's ImageNet ResNet18 (<c>--imagenet</c>), the
/// pooled features of each MaMA model, and MaMA pretrained on the collection itself (<c>--pretrain-per-fold</c>: one
/// pretraining per fold on the other folds' images only) go through the same linear probe (<see cref="FeatureProbe"/>),
/// cross-validated with each patient's images in one fold; prints a table (or JSON) of balanced accuracy and macro AUC.
/// </summary>
public sealed class CompareFeaturesCommand : ICliCommand
{
    /// <summary>Side of the raw-pixel baseline.</summary>
    public const int PixelSide = 32;

    /// <inheritdoc />
    public Command Build()
    {
        var manifest = CommonOptions.Manifest();
        var outsidePaths = CommonOptions.AllowOutsidePaths();
        var task = new Option<string>("--task")
        {
            Description = "density, birads, cancer, or a finding's presence from the manifest's finding columns: mass, calcification, finding (either; normal vs abnormal).",
            DefaultValueFactory = _ => "density",
        };
        var models = new Option<string[]>("--model") { Description = "A MaMA model directory whose pooled image features to probe (repeatable).", AllowMultipleArgumentsPerToken = false };
        var imageNet = new Option<bool>("--imagenet") { Description = "Also probe ML.NET's ImageNet ResNet18 features (224 px, the ONNX file the tool carries)." };
        var pretrainPresets = new Option<string[]>("--pretrain-per-fold")
        {
            Description = "Also pretrain a MaMA model of this preset (tiny, resnet18-imagenet, ...) once per fold on the other folds' images and captions only, and probe its features (repeatable). The captions carry the metadata, so pretraining on the whole collection would leak the test fold's labels.",
            AllowMultipleArgumentsPerToken = false,
        };
        var pretrainSteps = new Option<long>("--pretrain-steps") { Description = "Steps of each per-fold pretraining.", DefaultValueFactory = _ => 600 };
        var folds = new Option<int>("--folds") { Description = "Cross-validation folds (patients kept apart).", DefaultValueFactory = _ => 5 };
        var split = CommonOptions.Split();
        var json = CommonOptions.Json();
        var badImages = BadImagePolicy.Option();
        var device = CommonOptions.Device();
        var command = new Command("compare-features", "Frozen features of several encoders through one linear probe, cross-validated by patient.")
        {
            manifest, task, models, imageNet, pretrainPresets, pretrainSteps, folds, split, json, badImages, device,
        };
        command.Options.Add(outsidePaths);
        command.SetAction(parse =>
        {
            var chosen = ProbeTarget.Parse(parse.GetValue(task));
            if (chosen is null)
                return ExitCodes.Fail($"--task must be density, birads, cancer, mass, calcification or finding, got '{parse.GetValue(task)}'.", ExitCodes.Usage);
            int k = parse.GetValue(folds);
            if (k < 2) return ExitCodes.Fail($"--folds must be at least 2, got {k}.", ExitCodes.Usage);
            if (BadImagePolicy.Parse(parse.GetValue(badImages)) is not { } skip) return ExitCodes.Usage;
            var presets = (parse.GetValue(pretrainPresets) ?? []).Select(p => p.Trim().ToLowerInvariant()).ToList();
            if (presets.FirstOrDefault(p => !MaMAConfig.PresetNames.Contains(p)) is { } unknownPreset)
                return ExitCodes.Fail($"--pretrain-per-fold must be one of {string.Join(", ", MaMAConfig.PresetNames)}, got '{unknownPreset}'.", ExitCodes.Usage);
            long perFoldSteps = parse.GetValue(pretrainSteps);
            if (perFoldSteps < 1) return ExitCodes.Fail($"--pretrain-steps must be at least 1, got {perFoldSteps}.", ExitCodes.Usage);
            if (CommonOptions.TryDevice(parse.GetValue(device), out string deviceName) is int deviceFailure) return deviceFailure;
            if (ManifestLoading.TryLoad(parse.GetValue(split), parse.GetValue(manifest)!, out var all, parse.GetValue(outsidePaths)) is int manifestFailure) return manifestFailure;
            // Every encoder reads every image: the unreadable ones are found (fail) or left out (skip) once, first.
            if (BadImagePolicy.Screen(all.Where(r => chosen.Label(r) is not null).ToList(), skip, BadImagePolicy.ListPath(null), out var labelled) is int badImage)
                return badImage;
            var records = labelled.ToList();
            var classNames = chosen.ClassNames;
            var labels = records.Select(r => chosen.Label(r)!.Value).ToList();
            var groups = records.Select(r => r.PatientId).ToList();
            if (groups.Distinct(StringComparer.Ordinal).Count() < k)
                return ExitCodes.Fail($"{records.Count} images with a {chosen.Name} label from {groups.Distinct(StringComparer.Ordinal).Count()} patients: too few for {k} folds.", ExitCodes.BadInput);
            var missing = Enumerable.Range(0, classNames.Count).Where(c => !labels.Contains(c)).Select(c => classNames[c]).ToList();
            if (missing.Count > 0) return ExitCodes.Fail($"No image is labelled {string.Join(", ", missing.Select(m => $"'{m}'"))} for {chosen.Name}; the probe needs every class.", ExitCodes.BadInput);

            var ml = new MLContext(seed: 1);
            var rows = new List<(string Features, int Width, FeatureProbeCrossValidation Result)>();
            try
            {
                var pixels = PixelFeatures(records);
                rows.Add(($"raw pixels {PixelSide}x{PixelSide}", pixels[0].Length, FeatureProbe.CrossValidate(ml, pixels, labels, groups, classNames, k)));
                if (parse.GetValue(imageNet))
                {
                    TorchRuntime.Seed(1);
                    using var resNet = new MaMAModel(MaMAConfig.ResNet18ImageNet);
                    ResNetOnnxWeights.LoadInto(resNet, ImageEncoderChoice.PackagedResNet18());
                    if (deviceName != "cpu") resNet.to(CommonOptions.TorchDevice(deviceName));
                    var features = ModelFeatures(resNet, records);
                    rows.Add(("ImageNet ResNet18 (ML.NET)", features[0].Length, FeatureProbe.CrossValidate(ml, features, labels, groups, classNames, k)));
                }
                foreach (string dir in parse.GetValue(models) ?? [])
                {
                    var loaded = ManifestLoading.LoadModel(dir, deviceName);
                    using var model = loaded.Model;
                    var features = ModelFeatures(model, records);
                    rows.Add(($"MaMA model {Path.GetFileName(Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar))}", features[0].Length,
                        FeatureProbe.CrossValidate(ml, features, labels, groups, classNames, k)));
                }
                foreach (string preset in presets)
                {
                    int width = 0;
                    FeatureProbeCrossValidation? result = null;
                    // Progress bars (or plain key=value lines) on standard error only: standard output is the table or JSON.
                    CliProgress.Run(progress =>
                    {
                        result = FeatureProbe.CrossValidate(ml, (fold, trainRows) =>
                        {
                            var features = PretrainedOnFold(preset, perFoldSteps, deviceName, records, trainRows, fold, k, progress);
                            width = features[0].Length;
                            return features;
                        }, labels, groups, classNames, k);
                        return ExitCodes.Success;
                    });
                    rows.Add(($"MaMA {preset} pretrained per fold ({perFoldSteps} steps)", width, result!));
                }
            }
            // Unreadable images and models end in UserErrors (exit 3); a probe that cannot fit says so.
            catch (ArgumentException e) { return ExitCodes.Fail($"the probe cannot run: {e.Message}", ExitCodes.BadInput); }

            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    task = chosen.Name,
                    images = records.Count,
                    patients = groups.Distinct(StringComparer.Ordinal).Count(),
                    folds = k,
                    features = rows.Select(r => new
                    {
                        name = r.Features, width = r.Width,
                        balancedAccuracy = r.Result.BalancedAccuracy.Mean, balancedAccuracyStdDev = r.Result.BalancedAccuracy.StdDev,
                        auc = r.Result.MacroAuc.Mean, aucStdDev = r.Result.MacroAuc.StdDev,
                    }),
                }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
                return ExitCodes.Success;
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{chosen.Name}: {records.Count} images, {groups.Distinct(StringComparer.Ordinal).Count()} patients, {k}-fold cross-validation by patient, balanced logistic-regression probe"));
            Console.WriteLine("| features | width | balanced accuracy | macro AUC |");
            Console.WriteLine("| --- | --- | --- | --- |");
            foreach (var (name, width, r) in rows)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {width} | {r.BalancedAccuracy.Mean:F3} ± {r.BalancedAccuracy.StdDev:F3} | {r.MacroAuc.Mean:F3} ± {r.MacroAuc.StdDev:F3} |"));
            return ExitCodes.Success;
        });
        return command;
    }

    // What the probe predicts: a zero-shot task's label, or whether the manifest records a finding for the image.
    private sealed record ProbeTarget(string Name, IReadOnlyList<string> ClassNames, Func<MammogramRecord, int?> Label)
    {
        public static ProbeTarget? Parse(string? text)
        {
            string name = (text ?? "").Trim().ToLowerInvariant();
            if (EvaluateCommand.ParseTask(name) is { } zeroShot)
                return new(zeroShot.ToString().ToLowerInvariant(), ZeroShotPrompts.ClassNames(zeroShot), r => MaMAZeroShotEvaluation.Label(r, zeroShot));
            static int Present(string? column) => string.IsNullOrWhiteSpace(column) ? 0 : 1;
            return name switch
            {
                "mass" => new(name, ["no mass", "mass"], r => Present(r.MassShape)),
                "calcification" => new(name, ["no calcification", "calcification"], r => Present(r.CalcificationType)),
                "finding" => new(name, ["normal", "abnormal"], r => Math.Max(Present(r.MassShape), Present(r.CalcificationType))),
                _ => null,
            };
        }
    }

    // The first channel of the eval transform at 32 px (the channels are copies of the grey image).
    private static List<float[]> PixelFeatures(IReadOnlyList<MammogramRecord> records)
    {
        var preprocessor = new MammogramPreprocessor(new PreprocessingOptions { ImageSize = PixelSide });
        return [.. records.Select(r => MaMAZeroShotEvaluation.EvalPixels(r, preprocessor)[..(PixelSide * PixelSide)])];
    }

    // One fold's features from a model pretrained on that fold's training rows only (in a temporary folder, removed after).
    private static IReadOnlyList<float[]> PretrainedOnFold(string preset, long steps, string deviceName, IReadOnlyList<MammogramRecord> records,
        IReadOnlyList<int> trainRows, int fold, int folds, ICliProgress progress)
    {
        string folder = Path.Combine(Path.GetTempPath(), $"mama-compare-features-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            var train = trainRows.Select(i => records[i]).ToList();
            var recipe = PretrainRecipe.For(preset, folder);
            var options = recipe with
            {
                Steps = steps,
                BatchSize = Math.Min(recipe.BatchSize, train.Count),
                CheckpointEvery = Math.Max(1, steps),
                // A run shorter than the recipe's keeps its proportions, so warm-up ends and the late losses start within it.
                WarmupSteps = Scaled(recipe.WarmupSteps, recipe.Steps, steps),
                LateStartStep = Scaled(recipe.LateStartStep, recipe.Steps, steps),
                Device = deviceName,
            };
            MaMAPretrainingResult run;
            using (var stage = progress.Stage($"fold {fold + 1}/{folds}: pretrain {preset} on {train.Count} images", steps))
                run = MaMAPretraining.Run(train, options, new TrainingStage(stage));
            var loaded = ManifestLoading.LoadModel(run.ModelDirectory, deviceName);
            using var model = loaded.Model;
            return ModelFeatures(model, records);
        }
        finally
        {
            try { if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true); }
            catch (IOException) { } // a leftover temporary folder is not worth failing the comparison for
        }
    }

    private static long? Scaled(long? recipeStep, long recipeSteps, long steps) =>
        recipeStep is { } at && steps < recipeSteps ? Math.Max(1, at * steps / recipeSteps) : recipeStep;

    private static List<float[]> ModelFeatures(MaMAModel model, IReadOnlyList<MammogramRecord> records)
    {
        model.eval();
        using var scope = NewDisposeScope();
        return [.. MaMAZeroShotEvaluation.Rows(MaMAZeroShotEvaluation.PooledFeatures(model, records))];
    }
}

