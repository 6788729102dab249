using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Tokenization;
using MaMA.MLNet.Modeling.Vision;
using MaMA.MLNet.Onnx.Weights;
using MaMA.MLNet.Training;
using MaMA.MLNet.Training.MaMA;
using static TorchSharp.torch;

namespace MaMA.MLNet.Pretraining;

/// <summary>
/// One MaMA pretraining run from image records to a saved model: tokenizer, model, <see cref="MaMATrainingData"/>,
/// <see cref="MaMAObjective"/>, the engine's <see cref="PretrainingTrainer{TPrepared, TBatch}"/> with checkpoints
/// and a JSON-lines log, then <see cref="MaMAModelDirectory.Save"/> into <c>OUT/model</c>. With
/// <see cref="MaMAPretrainingOptions.InitialModelDirectory"/> the model (and its tokenizer) is loaded from a model directory.
/// </summary>
public static class MaMAPretraining
{
    /// <summary>Sub-folder of the saved model.</summary>
    public const string ModelFolder = "model";
    /// <summary>Sub-folder of the checkpoints.</summary>
    public const string CheckpointFolder = "checkpoints";
    /// <summary>File name of the training log.</summary>
    public const string LogFile = "training-log.jsonl";
    /// <summary>Name of the optimiser group of the image backbone when <see cref="MaMAPretrainingOptions.ImageLearningRateScale"/> is not 1.</summary>
    public const string ImageBackboneLearningRateGroup = "image_backbone";

    /// <summary>The tokenizer of a run: from <see cref="MaMAPretrainingOptions.TokenizerDirectory"/>, else the bundled GPT-2 one.</summary>
    /// <exception cref="TokenizerFileException">The tokenizer does not fit the model's vocabulary.</exception>
    public static MaMATokenizer CreateTokenizer(MaMAPretrainingOptions options, MaMAConfig config)
    {
        var tokenizer = options.TokenizerDirectory is null ? MaMATokenizer.CreateGpt2() : MaMATokenizer.FromDirectory(options.TokenizerDirectory);
        if (tokenizer.VocabularySize != config.TextVocabSize || tokenizer.SepId != config.SeparatorTokenId)
            throw new TokenizerFileException(options.TokenizerDirectory ?? "bundled GPT-2 vocabulary",
                $"the tokenizer has {tokenizer.VocabularySize} tokens but the model expects {config.TextVocabSize}; give the model's own tokenizer folder.");
        return tokenizer;
    }

    /// <summary>Trains on <paramref name="records"/> (all of them; pass the train split) and saves the model.</summary>
    /// <param name="records">Image records; at least <see cref="MaMAPretrainingOptions.BatchSize"/>.</param>
    /// <param name="options">The run settings.</param>
    /// <param name="progress">Step reports on the training thread; may be null.</param>
    /// <param name="cancellationToken">Stops after the current step; the model is still saved.</param>
    public static MaMAPretrainingResult Run(IReadOnlyList<MammogramRecord> records, MaMAPretrainingOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Run(records, options, validationRecords: null, progress, cancellationToken);

    /// <summary>
    /// As <see cref="Run(IReadOnlyList{MammogramRecord}, MaMAPretrainingOptions, IProgress{TrainingProgress}?, CancellationToken)"/>,
    /// validating zero-shot on <paramref name="validationRecords"/> every <see cref="MaMAPretrainingOptions.ValidateEvery"/>
    /// steps (metric names in <see cref="ValidationMetrics"/>).
    /// </summary>
    public static MaMAPretrainingResult Run(IReadOnlyList<MammogramRecord> records, MaMAPretrainingOptions options,
        IReadOnlyList<MammogramRecord>? validationRecords, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Run(records, options, captions: null, validationRecords, progress, cancellationToken);

    /// <summary>
    /// The run itself, with one fixed free-text caption per record instead of the structured, masked ones
    /// (<paramref name="captions"/> null = structured).
    /// </summary>
    internal static MaMAPretrainingResult Run(IReadOnlyList<MammogramRecord> records, MaMAPretrainingOptions options,
        IReadOnlyList<string>? captions, IReadOnlyList<MammogramRecord>? validationRecords, IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (records.Count < options.BatchSize)
            throw new ArgumentException($"{records.Count} images are fewer than one batch of {options.BatchSize}.", nameof(records));
        if (captions is not null && captions.Count != records.Count)
            throw new ArgumentException($"{captions.Count} captions for {records.Count} images.", nameof(captions));
        var config = options.ResolveConfig();
        // The initial model's own tokenizer unless another is given (CreateTokenizer checks that one fits).
        string? savedTokenizer = options.InitialModelDirectory is { } initialDirectory
            && Directory.Exists(Path.Combine(initialDirectory, MaMAModelDirectory.TokenizerFolder))
            ? Path.Combine(initialDirectory, MaMAModelDirectory.TokenizerFolder) : null;
        string? tokenizerDirectory = options.TokenizerDirectory ?? savedTokenizer;
        var tokenizer = CreateTokenizer(options with { TokenizerDirectory = tokenizerDirectory }, config);
        string output = Directory.CreateDirectory(options.OutputDirectory).FullName;
        string checkpoints = Path.Combine(output, CheckpointFolder);
        string log = Path.Combine(output, LogFile);
        long tenth = Math.Max(1, options.Steps / 10);

        TorchRuntime.Seed(options.Seed);
        // Step 0 starts from exactly the initial model's weights (the trainer seeds dropout itself).
        using var model = options.InitialModelDirectory is { } initialModel ? MaMAModelDirectory.Load(initialModel).Model : new MaMAModel(config);
        model.RecomputeActivations = options.RecomputeActivations;
        if (options.ImageEncoderOnnxWeights is { } imageWeights) ResNetOnnxWeights.LoadInto(model, imageWeights);
        // Frozen before the trainer looks: parameters without a gradient at its start stay out of the optimiser.
        if (options.FreezeImageStages > 0) model.ImageEncoder.ResNetBackbone!.FreezeStages(options.FreezeImageStages);
        var objective = new MaMAObjective(model, new MaMAObjectiveOptions
        {
            LateStartStep = options.LateStartStep ?? tenth,
            MultiView = options.MultiView,
            LocalAlignment = options.LocalAlignment,
        });
        var data = new MaMATrainingData(records, tokenizer, new MaMATrainingDataOptions
        {
            ImageSize = config.ImageSize,
            MaskProbability = options.MaskProbability,
            SecondView = options.MultiView,
            TextLength = config.TextMaxLength,
        });
        ITrainingData<MaMAPreparedBatch, MaMABatch> trainingData = captions is null
            ? data : new FixedCaptionTrainingData(data, captions, tokenizer, config.TextMaxLength);
        var trainerOptions = new TrainerOptions
        {
            TotalSteps = options.Steps,
            MicroBatchSize = options.BatchSize,
            LearningRate = options.LearningRate,
            WarmupSteps = Math.Min(options.WarmupSteps ?? tenth, options.Steps - 1),
            Seed = options.Seed,
            CheckpointDirectory = checkpoints,
            CheckpointEvery = options.CheckpointEvery,
            LogPath = log,
            PrefetchWorkers = options.PrefetchWorkers,
            TimeBudget = options.Minutes is { } m ? TimeSpan.FromMinutes(m) : null,
            DecayWithinTimeBudget = options.DecayWithinMinutes,
            Device = options.Device,
            ValidateEvery = validationRecords is { Count: > 0 } ? options.ValidateEvery : 0,
            LearningRateScales = options.ImageLearningRateScale == 1.0 || options.FreezeImageStages == ResNet.StageCount ? []
                : [new LearningRateScale(ImageBackboneLearningRateGroup, options.ImageLearningRateScale, [MaMAParameterNames.ImageBackbone])],
        };
        // With SelectBy, the weights of the best validation so far, kept in memory (the saved model gets them).
        Dictionary<string, Tensor>? best = null;
        double bestValue = double.NegativeInfinity;
        long? bestStep = null;
        ValidationCallback? validate = validationRecords is { Count: > 0 } && options.ValidateEvery > 0
            ? context =>
            {
                // Exact feature-norm statistics first, as the saved model gets them (training images, eval transform).
                MaMAZeroShotEvaluation.RecalibrateFeatureNorm(model, records, maxImages: 256);
                var metrics = ValidationMetrics.Compute(model, tokenizer, validationRecords);
                if (options.SelectBy is { } metric)
                {
                    if (!metrics.TryGetValue(metric, out double value))
                        throw new ArgumentException($"SelectBy '{metric}' is not a validation metric here; there are {string.Join(", ", metrics.Keys)}.");
                    if (double.IsFinite(value) && value > bestValue)
                    {
                        foreach (var t in best?.Values ?? Enumerable.Empty<Tensor>()) t.Dispose();
                        best = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope(), StringComparer.Ordinal);
                        (bestValue, bestStep) = (value, context.Step);
                    }
                }
                return metrics;
            }
            : null;
        var trainer = new PretrainingTrainer<MaMAPreparedBatch, MaMABatch>(objective, trainingData, trainerOptions, validate, progress, options.Clock);
        string? resumeFrom = options.Resume && Directory.Exists(checkpoints) && Directory.EnumerateFiles(checkpoints, "*.ckpt").Any() ? checkpoints : null;
        var result = trainer.Run(resumeFrom, cancellationToken);
        if (best is not null)
        {
            using (no_grad())
                foreach (var (name, tensor) in model.state_dict()) tensor.copy_(best[name]);
            foreach (var t in best.Values) t.Dispose();
        }

        // The trainer froze the heads of switched-off losses; saving keeps every parameter either way.
        model.eval();
        // The image feature norm's moving average lags the encoder; the saved model gets exact statistics.
        MaMAZeroShotEvaluation.RecalibrateFeatureNorm(model, records);
        string modelDirectory = Path.Combine(output, ModelFolder);
        string tokenizerFiles = Path.Combine(output, ".tokenizer-" + Guid.NewGuid().ToString("N"));
        try
        {
            if (tokenizerDirectory is null) BundledGpt2Vocabulary.WriteVocabAndMerges(tokenizerFiles);
            MaMAModelDirectory.Save(model, modelDirectory, tokenizerDirectory ?? tokenizerFiles);
        }
        finally
        {
            if (Directory.Exists(tokenizerFiles)) Directory.Delete(tokenizerFiles, recursive: true);
        }
        return new MaMAPretrainingResult(result, modelDirectory, log) { SelectedStep = bestStep };
    }
}
