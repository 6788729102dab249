using System.CommandLine;
using System.Text.Json;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Tokenization;
using MaMA.MLNet.Modeling.Weights;
using MaMA.MLNet.Onnx.Weights;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// <c>mama model</c>: <c>summary --preset NAME [--json]</c> prints a preset's parameter counts (computed from the
/// config, nothing allocated); <c>init --preset NAME --out DIR [--seed S] [--image-encoder vit|resnet18-imagenet]</c>
/// writes a freshly initialised model in MaMA.MLNet's directory format (a ResNet18-ImageNet image encoder gets
/// ML.NET's packaged ImageNet weights); <c>init --image-weights PATH --text-model DIR --out DIR</c> (or
/// <c>--mama-checkpoint FILE --text-model DIR</c>) writes one built by <see cref="MaMAModel.FromPretrained(MaMAPretrainedOptions)"/>
/// with the text model's tokenizer.
/// </summary>
public sealed class ModelCommand : ICliCommand
{
    private readonly TextWriter? _output;
    private readonly TextWriter? _error;

    /// <summary>Writes to the console (errors to the running invocation's error writer, <see cref="ExitCodes.Error"/>).</summary>
    public ModelCommand() { }

    /// <summary>Writes to the given writers (tests run the command in-process).</summary>
    public ModelCommand(TextWriter output, TextWriter error)
    {
        _output = output;
        _error = error;
    }

    private TextWriter output => _output ?? Console.Out;

    private TextWriter error => _error ?? ExitCodes.Error;

    /// <inheritdoc />
    public Command Build()
    {
        var command = new Command("model", "Model configurations: parameter counts and fresh initialisation.");
        command.Subcommands.Add(BuildSummary());
        command.Subcommands.Add(BuildInit());
        return command;
    }

    private static Option<string> PresetOption() =>
        new("--preset") { Required = true, Description = $"Model preset: {string.Join(", ", MaMAConfig.PresetNames)}." };

    private Command BuildSummary()
    {
        var preset = PresetOption();
        var json = CommonOptions.Json();
        var command = new Command("summary", "Parameter counts of a preset, from its configuration (nothing is allocated).");
        command.Options.Add(preset);
        command.Options.Add(json);
        command.SetAction(parseResult =>
        {
            if (!TryPreset(parseResult.GetValue(preset)!, out var config)) return ExitCodes.Usage;
            var counts = MaMAModel.CountParameters(config);
            string name = parseResult.GetValue(preset)!.Trim().ToLowerInvariant();
            if (parseResult.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    preset = name,
                    imageEncoderParameters = counts.ImageEncoder,
                    imageProjectionParameters = counts.ImageProjections,
                    simClrHeadParameters = counts.SimClrHead,
                    textEncoderParameters = counts.TextEncoder,
                    loraParameters = counts.Lora,
                    textProjectionParameters = counts.TextProjections,
                    totalParameters = counts.Total,
                    trainableParameters = counts.Trainable,
                    embeddingSize = config.EmbeddingSize,
                    imageSize = config.ImageSize,
                    textMaxLength = config.TextMaxLength,
                }, new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                output.WriteLine($"MaMA preset '{name}': image {config.ImageSize} px, embeddings {config.EmbeddingSize}-d, captions {config.TextMaxLength} tokens");
                output.WriteLine($"  {"image encoder (" + (config.ImageEncoder == Modeling.Vision.ImageEncoderKind.ResNet ? "ResNet" : "ViT") + ")",-25}{counts.ImageEncoder,16:N0}");
                output.WriteLine($"  image projections        {counts.ImageProjections,16:N0}");
                output.WriteLine($"  SimCLR head              {counts.SimClrHead,16:N0}");
                output.WriteLine($"  text encoder (GPT-2)     {counts.TextEncoder,16:N0}");
                output.WriteLine($"  LoRA adapters            {counts.Lora,16:N0}");
                output.WriteLine($"  text projections         {counts.TextProjections,16:N0}");
                output.WriteLine($"  total                    {counts.Total,16:N0}");
                output.WriteLine($"  trainable                {counts.Trainable,16:N0}");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private Command BuildInit()
    {
        var preset = new Option<string?>("--preset")
        {
            Description = $"Model preset: {string.Join(", ", MaMAConfig.PresetNames)}. Without weights: a fresh model of it; with --text-model: the MaMA settings around the loaded encoders (default mama-base).",
        };
        var outDir = new Option<string>("--out") { Required = true, Description = "Directory to write the model to (replaced if it holds an earlier model)." };
        var seed = CommonOptions.Seed("Random seed for the fresh weights (with pretrained encoders: added embedding rows, LoRA, heads).", 0);
        var imageWeights = new Option<string?>("--image-weights")
        {
            Description = "DINOv2 weights: a torch-hub .pth, a safetensors file, or a Hugging Face Dinov2Model / Dinov2WithRegistersModel folder.",
        };
        var textModel = new Option<string?>("--text-model")
        {
            Description = "Hugging Face GPT-2/BioMedLM folder: config.json, model.safetensors or pytorch_model.bin, vocab.json + merges.txt or tokenizer.json.",
        };
        var checkpoint = new Option<string?>("--mama-checkpoint")
        {
            Description = "A checkpoint of the reference implementation (XYPB/MaMA .ckpt); needs --text-model for its config and tokenizer.",
        };
        var imageSize = new Option<int?>("--image-size") { Description = "Image size of the model in pixels (position embeddings are interpolated; default: the weights' own)." };
        var frozenDType = new Option<string?>("--frozen-text-dtype")
        {
            Description = "dtype the frozen (LoRA) text base is held in: float32, bfloat16 (halves BioMedLM's 10.6 GB) or float16; compute stays float32.",
        };
        var imageEncoder = new Option<string?>("--image-encoder") { Description = ImageEncoderChoice.Description };
        var command = new Command("init",
            "Write a model directory: freshly initialised (--preset), or from public weights (--image-weights + --text-model) or a reference checkpoint (--mama-checkpoint + --text-model), with its tokenizer.");
        command.Options.Add(preset);
        command.Options.Add(outDir);
        command.Options.Add(seed);
        command.Options.Add(imageWeights);
        command.Options.Add(textModel);
        command.Options.Add(checkpoint);
        command.Options.Add(imageSize);
        command.Options.Add(frozenDType);
        command.Options.Add(imageEncoder);
        command.SetAction(parseResult =>
        {
            string directory = parseResult.GetValue(outDir)!;
            string? text = parseResult.GetValue(textModel), image = parseResult.GetValue(imageWeights), reference = parseResult.GetValue(checkpoint);
            string? presetName = parseResult.GetValue(preset);
            if (text is null && (image is not null || reference is not null))
                return Usage("--image-weights and --mama-checkpoint need --text-model (the GPT-2/BioMedLM folder: its config and tokenizer).");
            if (text is not null && (image is null) == (reference is null))
                return Usage("with --text-model give exactly one of --image-weights and --mama-checkpoint.");
            if (text is null && presetName is null) return Usage("give --preset for a fresh model, or --image-weights and --text-model for pretrained encoders.");
            // Before the weights are read (BioMedLM is gigabytes): an unwritable --out is found first.
            if (OutputChecks.Folder(directory, "--out") is int unwritable) return unwritable;
            if (!TryPreset(presetName ?? "mama-base", out var config)) return ExitCodes.Usage;
            if (!ImageEncoderChoice.TryApply(config, parseResult.GetValue(imageEncoder), out config))
                return Usage($"unknown image encoder '{parseResult.GetValue(imageEncoder)}': use {string.Join(" or ", ImageEncoderChoice.Names)}.");
            if (text is not null && config.ImageEncoder == Modeling.Vision.ImageEncoderKind.ResNet)
                return Usage("--image-encoder resnet18-imagenet builds a fresh model with the packaged ImageNet weights; it does not combine with --text-model.");
            if (parseResult.GetValue(frozenDType) is { } dtype)
            {
                if (CommonOptions.TryFrozenTextDType(dtype) is int badDType) return badDType;
                config = config with { FrozenTextBaseDType = dtype };
            }
            try
            {
                if (text is null)
                {
                    TorchRuntime.Seed(parseResult.GetValue(seed));
                    using var model = new MaMAModel(config);
                    string weights = "";
                    if (ImageEncoderChoice.UsesPackagedResNet18(config))
                    {
                        string path = ImageEncoderChoice.PackagedResNet18();
                        ResNetOnnxWeights.LoadInto(model, path);
                        weights = $", image encoder from {Path.GetFileName(path)}";
                    }
                    MaMAModelDirectory.Save(model, directory);
                    output.WriteLine($"Wrote a new '{presetName!.Trim().ToLowerInvariant()}' model ({MaMAModel.CountParameters(config).Total:N0} parameters{weights}) to {Path.GetFullPath(directory)}");
                    return ExitCodes.Success;
                }
                var loaded = MaMAModel.FromPretrained(new MaMAPretrainedOptions
                {
                    ImageWeights = image,
                    TextModel = text,
                    MaMACheckpoint = reference,
                    Template = config,
                    ImageSize = parseResult.GetValue(imageSize),
                    Seed = parseResult.GetValue(seed),
                });
                using (loaded.Model)
                {
                    MaMAModelDirectory.Save(loaded.Model, directory, loaded.TokenizerDirectory);
                    output.WriteLine(loaded.ToString());
                    output.WriteLine($"Wrote a MaMA model ({MaMAModel.CountParameters(loaded.Model.Config).Total:N0} parameters, image {loaded.Model.Config.Vision.ImageSize} px, " +
                        $"text vocabulary {loaded.Model.Config.TextVocabSize:N0}) with its tokenizer to {Path.GetFullPath(directory)}");
                }
                return ExitCodes.Success;
            }
            // Bad weights, tokenizers and configs end in UserErrors (exit 3, one line); a write failure names the folder.
            catch (Exception e) when (e is (IOException and not FileNotFoundException) or UnauthorizedAccessException)
            {
                error.WriteLine($"--out {directory}: cannot write the model there: {e.Message}");
                return ExitCodes.BadInput;
            }
        });
        return command;
    }

    private int Usage(string message)
    {
        error.WriteLine(message);
        return ExitCodes.Usage;
    }

    private bool TryPreset(string name, out MaMAConfig config)
    {
        try
        {
            config = MaMAConfig.FromPreset(name);
            return true;
        }
        catch (ArgumentException e)
        {
            error.WriteLine(e.Message);
            config = null!;
            return false;
        }
    }
}
