using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Onnx.Weights;
using MaMA.MLNet.Pretraining;
using MaMA.MLNet.Training;

namespace MaMA.MLNet.Components;

public sealed partial class MaMAPretrainingEstimator
{
    /// <summary>
    /// Settings of <see cref="MaMAPretrainingEstimator"/>: which columns hold the training data, which image column
    /// the returned transformer embeds, and the run (<see cref="MaMAPretrainingOptions"/>'s settings, with the seed
    /// taken from the MLContext unless given).
    /// </summary>
    public sealed class Options
    {
        /// <summary>The image file paths the model trains on (Text; DICOM, PNG, JPEG, TIFF, PGM).</summary>
        public string ImagePathColumnName { get; set; } = "Path";

        /// <summary>
        /// Study identifiers (Text or a number): images of one study are each other's second views for the multi-view
        /// losses. Null = every image is its own study (its second view is a second augmentation of itself).
        /// </summary>
        public string? StudyIdColumnName { get; set; } = "StudyId";

        /// <summary>Patient identifiers (Text or a number); null = the study identifier.</summary>
        public string? PatientIdColumnName { get; set; }

        /// <summary>
        /// Free-text captions (Text), used as they are. Null (default) = structured captions built from
        /// <see cref="Metadata"/> by <c>StructuredCaptionBuilder</c>, masked anew every time an image is drawn.
        /// </summary>
        public string? CaptionColumnName { get; set; }

        /// <summary>The metadata columns of the structured captions; ignored fields read "unknown". Not allowed with <see cref="CaptionColumnName"/>.</summary>
        public CaptionMetadataColumns Metadata { get; set; } = new();

        /// <summary>
        /// The model-ready image column (Single vector [3, S, S], S = the model's image size, as <c>LoadMammograms</c>
        /// writes it) that the returned transformer embeds. It must be in the input already, so a size mismatch shows
        /// before training.
        /// </summary>
        public string ImageColumnName { get; set; } = "Image";

        /// <summary>The embedding column the returned transformer adds.</summary>
        public string OutputColumnName { get; set; } = "Embedding";

        /// <summary>Output folder: <c>model/</c>, <c>checkpoints/</c>, <c>training-log.jsonl</c>. Required.</summary>
        public string OutputDirectory { get; set; } = "";

        /// <summary>Model preset (<see cref="MaMAConfig.PresetNames"/>); ignored when <see cref="Config"/> is set.</summary>
        public string Preset { get; set; } = "tiny";

        /// <summary>An explicit model configuration instead of the preset.</summary>
        public MaMAConfig? Config { get; set; }

        /// <summary>Train the whole text encoder instead of LoRA adapters (sensible from scratch).</summary>
        public bool TrainWholeTextEncoder { get; set; }

        /// <summary>Hugging Face tokenizer folder; null = the bundled GPT-2 vocabulary.</summary>
        public string? TokenizerDirectory { get; set; }

        /// <summary>Optimiser steps.</summary>
        public long Steps { get; set; } = 1000;

        /// <summary>Wall-clock budget in minutes; null = none.</summary>
        public double? Minutes { get; set; }

        /// <summary>Images per training step (at least 2; the data must have at least this many rows).</summary>
        public int TrainingBatchSize { get; set; } = 16;

        /// <summary>Peak learning rate.</summary>
        public double LearningRate { get; set; } = 1e-3;

        /// <summary>The image backbone's multiple of <see cref="LearningRate"/> (<see cref="MaMAPretrainingOptions.ImageLearningRateScale"/>).</summary>
        public double ImageLearningRateScale { get; set; } = 1.0;

        /// <summary>
        /// Stages of a ResNet image encoder kept frozen (<see cref="MaMAPretrainingOptions.FreezeImageStages"/>); null =
        /// <see cref="MaMAPretrainingOptions.DefaultResNetFrozenStages"/> for a ResNet that starts from ImageNet weights
        /// (the <c>resnet18-imagenet</c> recipe's), 0 otherwise.
        /// </summary>
        public int? FreezeImageStages { get; set; }

        /// <summary>
        /// An ONNX ResNet whose weights start the image encoder (<see cref="MaMAPretrainingOptions.ImageEncoderOnnxWeights"/>).
        /// Null with a ResNet of ImageNet ResNet18's shape (the <c>resnet18-imagenet</c> preset) = ML.NET's packaged
        /// ResNet18 next to the application: reference <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c>, whose build step
        /// copies it there; without it that preset is an error rather than a silent start from random weights.
        /// </summary>
        public string? ImageEncoderOnnxWeights { get; set; }

        /// <summary>Warm-up steps; null = 10 % of <see cref="Steps"/>.</summary>
        public long? WarmupSteps { get; set; }

        /// <summary>Step at which the multi-view and local losses start; null = 10 % of <see cref="Steps"/>.</summary>
        public long? LateStartStep { get; set; }

        /// <summary>Multi-view losses on.</summary>
        public bool MultiView { get; set; } = true;

        /// <summary>Local alignment loss on.</summary>
        public bool LocalAlignment { get; set; } = true;

        /// <summary>Metadata mask probability of the structured captions.</summary>
        public double MaskProbability { get; set; } = 0.8;

        /// <summary>Random seed of the run; null = drawn from the MLContext's random source (so <c>new MLContext(seed: n)</c> makes runs repeatable).</summary>
        public long? Seed { get; set; }

        /// <summary>Where the model trains and the returned transformer runs: cpu, cuda, cuda:N or auto.</summary>
        public string Device { get; set; } = "cpu";

        /// <summary>Continue from the newest checkpoint in the output folder.</summary>
        public bool Resume { get; set; }

        /// <summary>Checkpoint every this many steps (0 = only at the end).</summary>
        public long CheckpointEvery { get; set; } = 500;

        /// <summary>Data preparation threads.</summary>
        public int PrefetchWorkers { get; set; } = 2;

        /// <summary>Rows per forward of the returned embedding transformer.</summary>
        public int EmbeddingBatchSize { get; set; } = 16;

        /// <summary>Write a progress line to <c>MLContext.Log</c> every this many steps (and after the first and the last).</summary>
        public int LogEverySteps { get; set; } = 10;

        /// <summary>Receives every step's report on the training thread; may be null.</summary>
        public IProgress<TrainingProgress>? Progress { get; set; }

        /// <summary>Stops training after the current step; the model trained so far is saved and returned (<c>StopReason</c> Cancelled).</summary>
        public CancellationToken CancellationToken { get; set; }

        /// <summary>Checks the settings that need no data.</summary>
        /// <exception cref="ArgumentException">A setting is missing or out of range; the message names it.</exception>
        public void Validate()
        {
            if (string.IsNullOrWhiteSpace(ImagePathColumnName)) throw new ArgumentException("the image path column must be named", nameof(ImagePathColumnName));
            if (string.IsNullOrWhiteSpace(ImageColumnName)) throw new ArgumentException("the image column must be named", nameof(ImageColumnName));
            if (string.IsNullOrWhiteSpace(OutputColumnName)) throw new ArgumentException("the output column must be named", nameof(OutputColumnName));
            if (string.IsNullOrWhiteSpace(OutputDirectory)) throw new ArgumentException("an output directory is required", nameof(OutputDirectory));
            ArgumentNullException.ThrowIfNull(Metadata, nameof(Metadata));
            if (CaptionColumnName is not null && Metadata.Named().Any())
                throw new ArgumentException($"give either a caption column ('{CaptionColumnName}') or metadata columns for structured captions, not both", nameof(CaptionColumnName));
            if (EmbeddingBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(EmbeddingBatchSize), EmbeddingBatchSize, "the embedding batch size must be at least 1");
            if (LogEverySteps < 1) throw new ArgumentOutOfRangeException(nameof(LogEverySteps), LogEverySteps, "must be at least 1");
            ToRunOptions(Seed ?? 0).Validate();
        }

        /// <summary>The engine settings of the run with <paramref name="seed"/>.</summary>
        internal MaMAPretrainingOptions ToRunOptions(long seed)
        {
            var config = new MaMAPretrainingOptions { Preset = Preset, Config = Config, OutputDirectory = OutputDirectory }.ResolveConfig();
            string? imageWeights = ImageEncoderOnnxWeights;
            if (imageWeights is null && ResNetOnnxWeights.FitsPackagedResNet18(config))
                imageWeights = ResNetOnnxWeights.FindPackagedResNet18() ?? throw new ArgumentException(
                    $"The {Preset} image encoder starts from ML.NET's ImageNet ResNet18, which is not next to the application ({ResNetOnnxWeights.PackagedResNet18RelativePath}): reference the Microsoft.ML.DnnImageFeaturizer.ResNet18 package or set ImageEncoderOnnxWeights.",
                    nameof(ImageEncoderOnnxWeights));
            return ToRunOptions(seed, imageWeights);
        }

        private MaMAPretrainingOptions ToRunOptions(long seed, string? imageWeights) => new()
        {
            Preset = Preset,
            ImageEncoderOnnxWeights = imageWeights,
            Config = Config,
            TrainWholeTextEncoder = TrainWholeTextEncoder,
            TokenizerDirectory = TokenizerDirectory,
            Steps = Steps,
            Minutes = Minutes,
            BatchSize = TrainingBatchSize,
            LearningRate = LearningRate,
            ImageLearningRateScale = ImageLearningRateScale,
            FreezeImageStages = FreezeImageStages ?? (imageWeights is not null ? MaMAPretrainingOptions.DefaultResNetFrozenStages : 0),
            WarmupSteps = WarmupSteps,
            LateStartStep = LateStartStep,
            MultiView = MultiView,
            LocalAlignment = LocalAlignment,
            MaskProbability = MaskProbability,
            Seed = seed,
            OutputDirectory = OutputDirectory,
            Resume = Resume,
            CheckpointEvery = CheckpointEvery,
            PrefetchWorkers = PrefetchWorkers,
            Device = Device,
        };

        internal Options Clone()
        {
            var copy = (Options)MemberwiseClone();
            copy.Metadata = Metadata?.Clone()!;
            return copy;
        }
    }
}
