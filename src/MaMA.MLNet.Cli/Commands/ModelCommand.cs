using System.CommandLine;
using System.Text.Json;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Weights;
using MaMA.MLNet.Onnx.Weights;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// <c>mama model</c>: <c>summary --preset NAME [--json]</c> prints a preset's parameter counts (computed from the
/// config, nothing allocated); <c>init --preset NAME --out DIR [--seed S] [--image-encoder vit|resnet18-imagenet]</c>
/// writes a freshly initialised model in MaMA.MLNet's directory format (a ResNet18-ImageNet image encoder gets
/// ML.NET's packaged ImageNet weights).
/// </summary>
public sealed class ModelCommand : ICliCommand
{
    private readonly TextWriter output;
    private readonly TextWriter error;

    /// <summary>Writes to the console.</summary>
    public ModelCommand() : this(Console.Out, Console.Error) { }

    /// <summary>Writes to the given writers (tests run the command in-process).</summary>
    public ModelCommand(TextWriter output, TextWriter error)
    {
        this.output = output;
        this.error = error;
    }

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
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text." };
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
        var preset = PresetOption();
        var outDir = new Option<string>("--out") { Required = true, Description = "Directory to write the model to (replaced if it holds an earlier model)." };
        var seed = new Option<long>("--seed") { Description = "Random seed for the initial weights.", DefaultValueFactory = _ => 0 };
        var imageEncoder = new Option<string?>("--image-encoder") { Description = ImageEncoderChoice.Description };
        var command = new Command("init", "Write a freshly initialised model (config.json + model.safetensors).");
        command.Options.Add(preset);
        command.Options.Add(outDir);
        command.Options.Add(seed);
        command.Options.Add(imageEncoder);
        command.SetAction(parseResult =>
        {
            if (!TryPreset(parseResult.GetValue(preset)!, out var config)) return ExitCodes.Usage;
            if (!ImageEncoderChoice.TryApply(config, parseResult.GetValue(imageEncoder), out config))
            {
                error.WriteLine($"error: unknown image encoder '{parseResult.GetValue(imageEncoder)}': use {string.Join(" or ", ImageEncoderChoice.Names)}.");
                return ExitCodes.Usage;
            }
            string directory = parseResult.GetValue(outDir)!;
            try
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
                output.WriteLine($"Wrote a new '{parseResult.GetValue(preset)!.Trim().ToLowerInvariant()}' model ({MaMAModel.CountParameters(config).Total:N0} parameters{weights}) to {Path.GetFullPath(directory)}");
                return ExitCodes.Success;
            }
            catch (FileNotFoundException e)
            {
                error.WriteLine($"error: {e.Message}");
                return ExitCodes.BadInput;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"error: cannot write the model to '{directory}': {e.Message}");
                return ExitCodes.BadInput;
            }
            catch (WeightLoadException e)
            {
                error.WriteLine($"error: {e.Message}");
                return ExitCodes.BadInput;
            }
        });
        return command;
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
            error.WriteLine($"error: {e.Message}");
            config = null!;
            return false;
        }
    }
}
