using System.CommandLine;
using MaMA.MLNet.Cli.Progress;
using MaMA.MLNet.Cli.Reports;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Tokenization;
using MaMA.MLNet.Modeling.Weights;
using MaMA.MLNet.Pretraining;
using MaMA.MLNet.Training;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// <c>mama pretrain --manifest CSV --preset NAME --out DIR [--steps N] [--minutes M] [--resume] [--batch-size B]
/// [--lr X] [--seed S] [--no-multiview] [--no-local] [--late-start S] [--warmup W] [--image-size P] [--full-text] [--init MODEL_DIR]
/// [--recompute-activations] [--frozen-text-dtype bfloat16] [--image-lr-scale X] [--freeze-image-stages N] [--device D] [--on-bad-image fail|skip]</c>.
/// Unset values take the preset's defaults (<see cref="MaMAPretrainingOptions.TinyFromScratch"/> for tiny): trains on the manifest's
/// train split (all rows when it has none) and writes DIR/model, DIR/checkpoints and DIR/training-log.jsonl.
/// Progress: a live bar on a terminal, otherwise a key=value line on standard error every few seconds (<see cref="TrainingStage"/>).
/// </summary>
public sealed class PretrainCommand : ICliCommand
{
    private readonly TimeProvider? _clock;

    /// <summary>The command as the tool runs it (the system clock).</summary>
    public PretrainCommand() { }

    /// <summary>The command with <paramref name="clock"/> for the time budget, ETA and progress lines (tests pass a fake one).</summary>
    internal PretrainCommand(TimeProvider clock) => _clock = clock;

    /// <inheritdoc />
    public Command Build()
    {
        var manifest = CommonOptions.Manifest();
        var outsidePaths = CommonOptions.AllowOutsidePaths();
        var preset = new Option<string>("--preset") { Description = "Model preset: tiny, mama-base or resnet18-imagenet (starts from ML.NET's ImageNet ResNet18 weights).", DefaultValueFactory = _ => "tiny" };
        var output = new Option<string>("--out") { Description = "Output folder.", Required = true };
        var steps = new Option<long?>("--steps") { Description = "Optimiser steps (tiny: 600, else 1000)." };
        var minutes = new Option<double?>("--minutes") { Description = "Stop after this many minutes." };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its newest checkpoint (same config, manifest and seed)." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace the run in --out (its model, checkpoints and log)." };
        var batch = new Option<int?>("--batch-size") { Description = "Images per step (tiny: 32, else 16)." };
        var lr = new Option<double?>("--lr") { Description = "Peak learning rate (default 1e-3)." };
        var seed = CommonOptions.Seed("Random seed (data order, augmentation, TorchSharp's generator).", 42);
        var noMultiView = new Option<bool>("--no-multiview") { Description = "Switch the multi-view losses off." };
        var noLocal = new Option<bool>("--no-local") { Description = "Switch the local alignment loss off." };
        var lateStart = new Option<long?>("--late-start") { Description = "Step at which multi-view and local losses start (tiny: 20, else 10 % of --steps)." };
        var warmup = new Option<long?>("--warmup") { Description = "Warm-up steps (tiny: 20, else 10 % of --steps)." };
        var imageSize = new Option<int?>("--image-size") { Description = "Image size in pixels, a multiple of the patch size (tiny: 84), or of 32 for a ResNet (resnet18-imagenet: 224)." };
        var fullText = new Option<bool>("--full-text") { Description = "Train the whole text encoder instead of LoRA (from scratch; always on for tiny)." };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Tokenizer folder (default: the --init model's own, else bundled GPT-2)." };
        var recompute = new Option<bool>("--recompute-activations")
        {
            Description = "Recompute each encoder block's activations in the backward pass (gradient checkpointing): same gradients, far less memory, about a third more compute.",
        };
        var frozenDType = new Option<string?>("--frozen-text-dtype")
        {
            Description = "dtype the frozen (LoRA) text base is held in: float32, bfloat16 or float16 (compute stays float32; not with --init, whose model fixes it).",
        };
        var imageLrScale = new Option<double?>("--image-lr-scale")
        {
            Description = "The image backbone trains at this multiple of --lr (heads and text at 1x); e.g. 0.1 keeps a pretrained encoder near its start. Default 1.",
        };
        var freezeImageStages = new Option<int?>("--freeze-image-stages")
        {
            Description = "Keep the first N stages of a ResNet image encoder frozen (stem, layer1..layer4; 0-5, 5 = the whole backbone). Default: the recipe's, 4 for resnet18-imagenet (only layer4 adapts), 0 otherwise.",
        };
        var init = new Option<string?>("--init")
        {
            Description = "Continue from this MaMA model directory (e.g. from 'mama model init --image-weights ... --text-model ...'): its config, weights and tokenizer; --preset, --image-size and --full-text do not apply. Default --lr then 4e-5 (the paper's).",
        };
        var device = CommonOptions.Device();
        var badImages = BadImagePolicy.Option();
        var command = new Command("pretrain", "Pretrain a MaMA model on a manifest.")
        {
            manifest, preset, output, steps, minutes, resume, overwrite, batch, lr, seed, noMultiView, noLocal, lateStart, warmup, imageSize, fullText, tokenizer, init, recompute, frozenDType,
            imageLrScale, freezeImageStages, device, badImages,
        };
        command.Options.Add(outsidePaths);
        command.SetAction((parse, cancellationToken) => Task.FromResult(Run(parse, cancellationToken)));

        int Run(ParseResult parse, CancellationToken cancellationToken)
        {
            // Checked here so the message names the flag as typed (the options' own checks name their properties).
            if (parse.GetValue(steps) is { } s && s < 1) return Fail($"--steps must be at least 1, got {s}.", ExitCodes.Usage);
            if (parse.GetValue(batch) is { } b && b < 1) return Fail($"--batch-size must be at least 1, got {b}.", ExitCodes.Usage);
            if (parse.GetValue(minutes) is { } m && !(m > 0)) return Fail($"--minutes must be positive, got {m}.", ExitCodes.Usage);
            if (parse.GetValue(lr) is { } rate && !(rate > 0)) return Fail($"--lr must be positive, got {rate}.", ExitCodes.Usage);
            if (parse.GetValue(warmup) is { } w && w < 0) return Fail($"--warmup must be 0 or more, got {w}.", ExitCodes.Usage);
            if (parse.GetValue(lateStart) is { } l && l < 0) return Fail($"--late-start must be 0 or more, got {l}.", ExitCodes.Usage);
            if (parse.GetValue(imageLrScale) is { } scale && !(scale > 0 && double.IsFinite(scale))) return Fail($"--image-lr-scale must be positive, got {scale}.", ExitCodes.Usage);
            if (parse.GetValue(freezeImageStages) is { } frozenStages && frozenStages is < 0 or > Modeling.Vision.ResNet.StageCount)
                return Fail($"--freeze-image-stages must be in 0..{Modeling.Vision.ResNet.StageCount} (stem, layer1..layer4), got {frozenStages}.", ExitCodes.Usage);
            if (parse.GetValue(imageSize) is { } px && px < 14) return Fail($"--image-size must be at least 14, got {px}.", ExitCodes.Usage);
            if (parse.GetValue(frozenDType) is { } dtypeName && CommonOptions.TryFrozenTextDType(dtypeName) is int badDType) return badDType;
            if (CommonOptions.TryDevice(parse.GetValue(device), out string deviceName) is int deviceFailure) return deviceFailure;
            if (BadImagePolicy.Parse(parse.GetValue(badImages)) is not { } skip) return ExitCodes.Usage;
            if (OutputChecks.Folder(parse.GetValue(output)!, "--out") is int unwritable) return unwritable;
            var (records, error) = ManifestLoading.Load(parse.GetValue(manifest)!, null, parse.GetValue(outsidePaths));
            if (records is null) return Fail(error!, ExitCodes.BadInput);
            var train = records.Where(r => r.Split == DatasetSplit.Train).ToList();
            // An unreadable image found mid-run stops the run: read each once first (decoding only; training reads them many times).
            if (BadImagePolicy.Screen(train.Count > 0 ? train : records, skip, BadImagePolicy.ListPath(parse.GetValue(output)), out var readable) is int badImage)
                return badImage;
            var used = readable.ToList();
            MaMAPretrainingOptions options;
            try
            {
                string presetName = parse.GetValue(preset)!;
                string outputDirectory = parse.GetValue(output)!;
                string? initial = parse.GetValue(init);
                if (initial is not null && (parse.GetValue(imageSize) is not null || parse.GetValue(fullText) || parse.GetValue(frozenDType) is not null))
                    return Fail("--init fixes the model: --image-size, --full-text and --frozen-text-dtype do not apply.", ExitCodes.Usage);
                var defaults = initial is not null
                    ? new MaMAPretrainingOptions { InitialModelDirectory = initial, OutputDirectory = outputDirectory, LearningRate = 4e-5 }
                    : PretrainRecipe.For(presetName, outputDirectory);
                MaMAConfig? config = initial is null ? defaults.ResolveConfig() : null;
                if (config is not null && parse.GetValue(imageSize) is { } size) config = config.WithImageSize(size);
                if (config is not null && parse.GetValue(frozenDType) is { } dtype) config = config with { FrozenTextBaseDType = dtype };
                long stepCount = parse.GetValue(steps) ?? defaults.Steps;
                options = defaults with
                {
                    Config = config,
                    Steps = stepCount,
                    Minutes = parse.GetValue(minutes),
                    Resume = parse.GetValue(resume),
                    BatchSize = parse.GetValue(batch) ?? defaults.BatchSize,
                    LearningRate = parse.GetValue(lr) ?? defaults.LearningRate,
                    Seed = parse.GetValue(seed),
                    MultiView = !parse.GetValue(noMultiView),
                    LocalAlignment = !parse.GetValue(noLocal),
                    LateStartStep = parse.GetValue(lateStart) ?? defaults.LateStartStep,
                    WarmupSteps = parse.GetValue(warmup) ?? defaults.WarmupSteps,
                    TrainWholeTextEncoder = defaults.TrainWholeTextEncoder || parse.GetValue(fullText),
                    TokenizerDirectory = parse.GetValue(tokenizer),
                    CheckpointEvery = Math.Max(1, stepCount / 4),
                    RecomputeActivations = parse.GetValue(recompute),
                    Device = deviceName,
                    ImageLearningRateScale = parse.GetValue(imageLrScale) ?? defaults.ImageLearningRateScale,
                    FreezeImageStages = parse.GetValue(freezeImageStages) ?? defaults.FreezeImageStages,
                    Clock = _clock,
                };
                if (options.BatchSize > used.Count)
                {
                    // A batch cannot hold more images than the data has (as mama demo does).
                    if (used.Count < 2) return Fail($"{parse.GetValue(manifest)}: {used.Count} training image(s); contrastive pretraining needs at least 2.", ExitCodes.BadInput);
                    Console.Error.WriteLine($"--batch-size {options.BatchSize} is more than the {used.Count} training images; using --batch-size {used.Count}.");
                    options = options with { BatchSize = used.Count };
                }
                options.Validate();
            }
            catch (ArgumentException e)
            {
                return Fail(e.Message, ExitCodes.Usage);
            }
            var identity = PretrainRunFolder.Identity(options.ResolveConfig().ToJson(), parse.GetValue(manifest)!, options.Seed);
            using var folder = PretrainRunFolder.Claim(options.OutputDirectory, identity, options.Resume, parse.GetValue(overwrite), out int claimFailure);
            if (folder is null) return claimFailure;
            return CliProgress.Run(progress =>
            {
                progress.Log($"Pretraining {options.Preset} on {used.Count} images for {options.Steps} steps -> {options.OutputDirectory}");
                try
                {
                    MaMAPretrainingResult result;
                    using (var stage = progress.Stage("pretrain", options.Steps))
                        result = MaMAPretraining.Run(used, options, new TrainingStage(stage), cancellationToken);
                    foreach (string skipped in result.Training.SkippedCheckpoints) progress.Log($"Resumed past a damaged checkpoint: {skipped}");
                    progress.Log($"{TrainingSummary.Steps(result.Training, options.Steps)} Model: {Path.GetFullPath(result.ModelDirectory)}. Log: {Path.GetFullPath(result.LogPath)}");
                    if (TrainingSummary.BudgetWarning(result.Training, options.Steps, options.Minutes) is { } warning) progress.Log(warning);
                    return result.Training.StopReason == TrainingStopReason.Cancelled ? ExitCodes.Cancelled : ExitCodes.Success;
                }
                // Bad images, tokenizers, checkpoints and weights end in UserErrors (exit 3, one line); what the run's
                // settings make impossible with this data (e.g. a resumed config that differs) is bad input too.
                catch (ArgumentException e)
                {
                    return Fail(e.Message, ExitCodes.BadInput);
                }
            }, _clock);
        }
        return command;
    }

    private static int Fail(string message, int code) => ExitCodes.Fail(message, code);
}
