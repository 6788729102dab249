using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Vision;

namespace MaMA.MLNet.Pretraining;

/// <summary>Settings of a MaMA pretraining run (<see cref="MaMAPretraining"/>, the <c>mama pretrain</c> command and the estimator).</summary>
public sealed record MaMAPretrainingOptions
{
    /// <summary>
    /// Defaults for a short from-scratch run of the tiny preset on a CPU: whole text encoder trained (a random
    /// frozen GPT-2 base with LoRA has nothing to adapt), 84 px images (the phantom's density shows at that size), a
    /// batch norm on the pooled image feature (<see cref="MaMAConfig.GlobalImageFeatureNorm"/>: without it a fresh
    /// ViT's embeddings all point the same way and CLIP never leaves 2 ln B), batch 32 (more negatives), lr 1e-3 with
    /// a short warm-up, the multi-view and local losses from step 300 (from step 20 they swamped the CLIP term before
    /// it had learned anything). Measured in docs/design/learning.md and BENCHMARKS.md (learning-proof).
    /// </summary>
    public static MaMAPretrainingOptions TinyFromScratch(string outputDirectory) => new()
    {
        Preset = "tiny",
        Config = MaMAConfig.Tiny with { Vision = MaMAConfig.Tiny.Vision with { ImageSize = 84 }, GlobalImageFeatureNorm = true },
        TrainWholeTextEncoder = true,
        OutputDirectory = outputDirectory,
        Steps = 1500,
        BatchSize = 32,
        LearningRate = 1e-3,
        WarmupSteps = 20,
        LateStartStep = 300,
    };

    /// <summary>
    /// A MaMA model directory (<see cref="MaMAModelDirectory"/>, e.g. written by <c>mama model init --image-weights ...
    /// --text-model ...</c> or an earlier run) to start from: step 0 uses exactly its weights and configuration, and its
    /// tokenizer unless <see cref="TokenizerDirectory"/> is given. <see cref="Preset"/>, <see cref="Config"/> and
    /// <see cref="TrainWholeTextEncoder"/> must then be left unset.
    /// </summary>
    public string? InitialModelDirectory { get; init; }

    /// <summary>
    /// Defaults for a short run that starts the image encoder from ML.NET's ImageNet ResNet18 (the
    /// <c>resnet18-imagenet</c> preset, weights from <paramref name="resNetOnnxPath"/>): the tiny text encoder trained
    /// whole from scratch, batch 16, lr 5e-4 (half of what the random ViT recipe uses: the ResNet starts from useful
    /// features), multi-view and local losses from step 60, the stem and <c>layer1</c>-<c>layer3</c> frozen
    /// (<see cref="DefaultResNetFrozenStages"/>). Measured in BENCHMARKS.md (resnet-learning-proof).
    /// </summary>
    public static MaMAPretrainingOptions ResNet18ImageNet(string outputDirectory, string resNetOnnxPath) => new()
    {
        Preset = "resnet18-imagenet",
        ImageEncoderOnnxWeights = resNetOnnxPath,
        TrainWholeTextEncoder = true,
        OutputDirectory = outputDirectory,
        Steps = 300,
        BatchSize = 16,
        LearningRate = 5e-4,
        WarmupSteps = 20,
        LateStartStep = 60,
        FreezeImageStages = DefaultResNetFrozenStages,
    };

    /// <summary>
    /// Stages of an ImageNet-started ResNet the <see cref="ResNet18ImageNet"/> recipe keeps frozen: the stem and
    /// <c>layer1</c>-<c>layer3</c>, so only <c>layer4</c> adapts. On held-out phantom studies over several seeds this kept
    /// or raised every probe of the ImageNet start and taught the features masses, where training every stage lost the
    /// density features (BENCHMARKS.md, "Learning proof from ImageNet"). It also stops the backward pass at <c>layer4</c>.
    /// </summary>
    public const int DefaultResNetFrozenStages = 4;

    /// <summary>Model preset (<see cref="MaMAConfig.PresetNames"/>); ignored when <see cref="Config"/> is set.</summary>
    public string Preset { get; init; } = "tiny";

    /// <summary>An explicit model configuration instead of the preset.</summary>
    public MaMAConfig? Config { get; init; }

    /// <summary>
    /// An ONNX ResNet whose weights start the image encoder (a <see cref="MaMAConfig.ImageEncoder"/> ResNet config),
    /// e.g. ML.NET's ImageNet ResNet18 (<c>ResNetOnnxWeights.FindPackagedResNet18()</c>); null = random weights.
    /// </summary>
    public string? ImageEncoderOnnxWeights { get; init; }

    /// <summary>Train the whole text encoder instead of LoRA adapters (sensible from scratch, where the frozen base is random).</summary>
    public bool TrainWholeTextEncoder { get; init; }

    /// <summary>Hugging Face tokenizer folder; null = the bundled GPT-2 vocabulary (fits models with GPT-2's 50,257-token base).</summary>
    public string? TokenizerDirectory { get; init; }

    /// <summary>Optimiser steps.</summary>
    public long Steps { get; init; } = 1000;

    /// <summary>Wall-clock budget in minutes; null = none.</summary>
    public double? Minutes { get; init; }

    /// <summary>
    /// With <see cref="Minutes"/>: the cosine decay also follows the time used, so the learning rate is at its floor when
    /// the budget ends even if <see cref="Steps"/> would not be reached. Off: the decay runs over <see cref="Steps"/> only.
    /// </summary>
    public bool DecayWithinMinutes { get; init; } = true;

    /// <summary>Images per step.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Peak learning rate (the paper's 4e-5 is for pretrained weights; from scratch ~1e-3).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>
    /// The image encoder's backbone trains at this multiple of <see cref="LearningRate"/> (warm-up and decay included);
    /// the projection heads and the text side at 1x. Below 1 keeps a pretrained encoder (ImageNet, DINOv2) closer to
    /// the features it starts from while the new heads learn at full speed. Default 1.
    /// </summary>
    public double ImageLearningRateScale { get; init; } = 1.0;

    /// <summary>
    /// Freeze the first this many stages of a ResNet image encoder (<see cref="ResNet.StageCount"/>: the stem, then
    /// <c>layer1</c>..<c>layer4</c>; 5 freezes the whole backbone): they keep their starting weights and stay out of the
    /// optimiser. 0 (default) trains all. ResNet encoders only.
    /// </summary>
    public int FreezeImageStages { get; init; }

    /// <summary>Warm-up steps; null = 10 % of <see cref="Steps"/>.</summary>
    public long? WarmupSteps { get; init; }

    /// <summary>Step at which the multi-view and local losses start; null = 10 % of <see cref="Steps"/> (the paper: 8000 of 40000).</summary>
    public long? LateStartStep { get; init; }

    /// <summary>Multi-view losses on.</summary>
    public bool MultiView { get; init; } = true;

    /// <summary>Local alignment loss on.</summary>
    public bool LocalAlignment { get; init; } = true;

    /// <summary>
    /// Zero-shot validation on the held-out records given to <c>MaMAPretraining.Run</c> every this many steps
    /// (0: never): density and cancer balanced accuracy where labelled and image-to-text top-1, logged as
    /// <c>validation</c> lines of the JSONL log.
    /// </summary>
    public long ValidateEvery { get; init; }

    /// <summary>
    /// A <see cref="ValidationMetrics"/> name (higher is better, e.g. <see cref="ValidationMetrics.DensityBalancedAccuracy"/>):
    /// the saved model gets the weights of the validation with its highest value instead of the last step's. The
    /// validation records are then used for model selection and must not be the records a result is reported on.
    /// Null (default) saves the last step. The weights are kept in memory (a copy of the model).
    /// </summary>
    public string? SelectBy { get; init; }

    /// <summary>Metadata mask probability of the captions.</summary>
    public double MaskProbability { get; init; } = 0.8;

    /// <summary>Random seed (model init, data order, augmentations).</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Output folder: <c>model/</c>, <c>checkpoints/</c>, <c>training-log.jsonl</c>.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Continue from the newest checkpoint in the output folder.</summary>
    public bool Resume { get; init; }

    /// <summary>Checkpoint every this many steps (0 = only at the end).</summary>
    public long CheckpointEvery { get; init; } = 500;

    /// <summary>Data preparation threads.</summary>
    public int PrefetchWorkers { get; init; } = 2;

    /// <summary>
    /// Recompute each encoder block's activations in the backward pass (gradient checkpointing,
    /// <see cref="MaMAModel.RecomputeActivations"/>): the same gradients with far less memory, about a third more
    /// compute per step. What lets the paper-size model train at batch 2 and more on a small machine.
    /// </summary>
    public bool RecomputeActivations { get; init; }

    /// <summary>Where the model trains: cpu, cuda, cuda:N or auto.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>
    /// The clock of the time budget (<see cref="Minutes"/>), step times and progress estimates; null: the system clock.
    /// Tests pass a fake one so that what they check never depends on the machine's speed.
    /// </summary>
    public TimeProvider? Clock { get; init; }

    /// <summary>The configuration the run builds (with <see cref="InitialModelDirectory"/>: the one saved there).</summary>
    /// <exception cref="MaMAModelFormatException">The initial model directory has no readable config.</exception>
    public MaMAConfig ResolveConfig()
    {
        if (InitialModelDirectory is { } directory)
        {
            string path = Path.Combine(directory, MaMAModelDirectory.ConfigFile);
            if (!File.Exists(path)) throw new MaMAModelFormatException(path, "missing: the initial model is not a MaMA model directory.");
            return MaMAConfig.FromJson(File.ReadAllText(path), path);
        }
        var config = Config ?? MaMAConfig.FromPreset(Preset);
        return TrainWholeTextEncoder ? config with { Lora = null } : config;
    }

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(OutputDirectory);
        ArgumentException.ThrowIfNullOrWhiteSpace(Device);
        if (Steps < 1) throw new ArgumentException($"Steps must be at least 1, got {Steps}.", nameof(Steps));
        if (BatchSize < 2) throw new ArgumentException($"BatchSize must be at least 2 (contrastive losses need negatives), got {BatchSize}.", nameof(BatchSize));
        if (Minutes is { } m && !(m > 0)) throw new ArgumentException($"Minutes must be positive, got {m}.", nameof(Minutes));
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentException($"LearningRate must be positive, got {LearningRate}.", nameof(LearningRate));
        if (InitialModelDirectory is not null && (Config is not null || TrainWholeTextEncoder || ImageEncoderOnnxWeights is not null))
            throw new ArgumentException("InitialModelDirectory fixes the model: leave Config, TrainWholeTextEncoder and ImageEncoderOnnxWeights unset.", nameof(InitialModelDirectory));
        if (!(ImageLearningRateScale > 0) || !double.IsFinite(ImageLearningRateScale))
            throw new ArgumentException($"ImageLearningRateScale must be positive and finite, got {ImageLearningRateScale}.", nameof(ImageLearningRateScale));
        if (FreezeImageStages is < 0 or > ResNet.StageCount)
            throw new ArgumentException($"FreezeImageStages must be in [0, {ResNet.StageCount}] (stem, layer1..layer4), got {FreezeImageStages}.", nameof(FreezeImageStages));
        var config = ResolveConfig();
        config.Validate();
        if (FreezeImageStages > 0 && config.ImageEncoder != ImageEncoderKind.ResNet)
            throw new ArgumentException("FreezeImageStages needs a ResNet image encoder (MaMAConfig.ImageEncoder); the ViT's blocks are not frozen by stage.", nameof(FreezeImageStages));
        if (ImageEncoderOnnxWeights is not null && config.ImageEncoder != ImageEncoderKind.ResNet)
            throw new ArgumentException("ImageEncoderOnnxWeights needs a ResNet image encoder (MaMAConfig.ImageEncoder).", nameof(ImageEncoderOnnxWeights));
    }
}
