using MaMA.MLNet.Modeling.Tokenization;
using MaMA.MLNet.Modeling.Weights;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.MaMA;

/// <summary>A model read back by <see cref="MaMAModelDirectory.Load"/>.</summary>
/// <param name="Model">The model, in eval mode.</param>
/// <param name="Tokenizer">The tokenizer saved with it, or null.</param>
/// <param name="Report">What the weight load did.</param>
public sealed record LoadedMaMAModel(MaMAModel Model, MaMATokenizer? Tokenizer, WeightLoadReport Report);

/// <summary>
/// MaMA.MLNet's own model format: a directory holding <c>config.json</c> (<see cref="MaMAConfig.ToJson"/>),
/// <c>model.safetensors</c> (the full state dict, batch-norm statistics included, each tensor in the dtype the
/// model holds it) and, when a tokenizer is attached, <c>tokenizer/</c> (its Hugging Face files). A save is
/// written into a temporary sibling directory and renamed into place, so a reader never sees half a model.
/// </summary>
public static class MaMAModelDirectory
{
    /// <summary>The config file name.</summary>
    public const string ConfigFile = "config.json";
    /// <summary>The weight file name.</summary>
    public const string WeightsFile = "model.safetensors";
    /// <summary>The tokenizer folder name.</summary>
    public const string TokenizerFolder = "tokenizer";

    private static readonly string[] TokenizerFiles = ["tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"];

    /// <summary>
    /// Saves <paramref name="model"/> to <paramref name="directory"/>, replacing an earlier save there.
    /// <paramref name="tokenizerDirectory"/> (optional) is a Hugging Face tokenizer folder; its files are copied
    /// after checking that the tokenizer's vocabulary (with MaMA's special tokens) fits the model.
    /// </summary>
    /// <exception cref="InvalidOperationException">LoRA adapters are merged (the saved base would include them twice on reload).</exception>
    /// <exception cref="IOException">The target exists and is not a MaMA model directory.</exception>
    /// <exception cref="TokenizerFileException">The tokenizer folder is unreadable or does not fit the model.</exception>
    public static void Save(MaMAModel model, string directory, string? tokenizerDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (model.HasMergedAdapters)
            throw new InvalidOperationException("Unmerge the LoRA adapters before saving: the saved base weights must not contain them.");
        string target = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar);
        string parent = Path.GetDirectoryName(target) ?? throw new IOException($"'{target}' has no parent directory.");
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any() && !File.Exists(Path.Combine(target, ConfigFile)))
            throw new IOException($"'{target}' exists, is not empty and holds no {ConfigFile}: refusing to replace a directory that is not a MaMA model.");
        if (tokenizerDirectory is not null) CheckTokenizer(tokenizerDirectory, model.Config);

        Directory.CreateDirectory(parent);
        string name = Path.GetFileName(target);
        string temp = Path.Combine(parent, $".{name}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            File.WriteAllText(Path.Combine(temp, ConfigFile), model.Config.ToJson());
            using (var scope = NewDisposeScope())
            {
                var state = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().contiguous(), StringComparer.Ordinal);
                using var stream = File.Create(Path.Combine(temp, WeightsFile));
                Safetensors.SaveStateDict(stream, state);
            }
            if (tokenizerDirectory is not null)
            {
                string into = Directory.CreateDirectory(Path.Combine(temp, TokenizerFolder)).FullName;
                foreach (string file in TokenizerFiles)
                {
                    string from = Path.Combine(tokenizerDirectory, file);
                    if (File.Exists(from)) File.Copy(from, Path.Combine(into, file));
                }
            }
            if (Directory.Exists(target))
            {
                string old = Path.Combine(parent, $".{name}.old-{Guid.NewGuid():N}");
                Directory.Move(target, old);
                Directory.Move(temp, target);
                Directory.Delete(old, recursive: true);
            }
            else
            {
                Directory.Move(temp, target);
            }
        }
        catch
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// Loads a model saved by <see cref="Save"/>: builds it from <c>config.json</c>, fills it from
    /// <c>model.safetensors</c> (strict by default) and reads the tokenizer when one was saved. The model is
    /// returned in eval mode on <paramref name="device"/> (CPU when null).
    /// </summary>
    /// <exception cref="MaMAModelFormatException">The directory, config or weight file is missing or malformed.</exception>
    /// <exception cref="WeightLoadException">The weights do not fit the config (the report lists what and where).</exception>
    public static LoadedMaMAModel Load(string directory, Device? device = null, bool strict = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!Directory.Exists(directory)) throw new MaMAModelFormatException(directory, "the model directory does not exist.");
        string configPath = Path.Combine(directory, ConfigFile), weightsPath = Path.Combine(directory, WeightsFile);
        if (!File.Exists(configPath)) throw new MaMAModelFormatException(configPath, "missing: not a MaMA model directory.");
        if (!File.Exists(weightsPath)) throw new MaMAModelFormatException(weightsPath, "missing: the model directory has no weights.");
        if (new FileInfo(configPath).Length > MaxConfigBytes)
            throw new MaMAModelFormatException(configPath, $"{new FileInfo(configPath).Length:N0} bytes is more than a config may have ({MaxConfigBytes:N0}).");
        var config = MaMAConfig.FromJson(File.ReadAllText(configPath), configPath);
        CheckSizes(config, configPath);

        // The weight file's header (names and shapes, no tensor data) is read before the model is built: a config
        // whose sizes the file cannot fill would otherwise allocate the whole model first.
        using var source = NamedTensorSource.Open(weightsPath);
        long expected = MaMAModel.CountParameters(config).Total;
        long held = source.Names.Sum(name => source.Shape(name).Aggregate(1L, (product, dimension) => product * dimension));
        if (strict ? expected > held : expected > 4 * held + (1L << 20))
            throw new MaMAModelFormatException(configPath,
                $"describes a model of {expected:N0} parameters, but {weightsPath} holds {held:N0} values; the config does not belong to these weights.");

        var model = new MaMAModel(config);
        try
        {
            WeightLoadReport report = MaMAStateLoader.Load(model, source, "MaMA.MLNet", name => new MaMAWeightTarget(name), strict);
            string tokenizerPath = Path.Combine(directory, TokenizerFolder);
            var tokenizer = Directory.Exists(tokenizerPath) ? MaMATokenizer.FromDirectory(tokenizerPath) : null;
            if (device is not null && device.type != DeviceType.CPU) model.to(device);
            model.eval();
            return new LoadedMaMAModel(model, tokenizer, report);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Largest <c>config.json</c> read.</summary>
    public const long MaxConfigBytes = 1L << 20;

    // Sizes far beyond any MaMA or DINOv2/GPT-2 model (ViT-g is 1536 wide, 40 deep; BioMedLM is 2560 wide, 32
    // layers): a config past them is refused before anything is sized from it, and parameter counts cannot overflow.
    private static void CheckSizes(MaMAConfig config, string configPath)
    {
        void Limit(string name, double value, double max)
        {
            if (value > max) throw new MaMAModelFormatException(configPath, $"{name} {value} is larger than {max}, the most a model file may declare.");
        }
        var vision = config.Vision;
        Limit("Vision.Width", vision.Width, 16384);
        Limit("Vision.Depth", vision.Depth, 512);
        Limit("Vision.Heads", vision.Heads, 1024);
        Limit("Vision.MlpRatio", vision.MlpRatio, 64);
        Limit("Vision.ImageSize", vision.ImageSize, 8192);
        Limit("Vision.RegisterCount", vision.RegisterCount, 1024);
        var text = config.Text;
        Limit("Text.Width", text.Width, 16384);
        Limit("Text.Layers", text.Layers, 512);
        Limit("Text.Heads", text.Heads, 1024);
        Limit("Text.VocabSize", text.VocabSize, 1 << 21);
        Limit("Text.ContextLength", text.ContextLength, 1 << 17);
        Limit("Text.InnerWidth", text.InnerWidth ?? 0, 1 << 18);
        Limit("EmbeddingSize", config.EmbeddingSize, 16384);
        Limit("LocalProjectionHidden", config.LocalProjectionHidden, 1 << 16);
        Limit("AddedSpecialTokens", config.AddedSpecialTokens, 1 << 16);
        Limit("Lora.Rank", config.Lora?.Rank ?? 0, 4096);
    }

    private static void CheckTokenizer(string tokenizerDirectory, MaMAConfig config)
    {
        if (!Directory.Exists(tokenizerDirectory)) throw new TokenizerFileException(tokenizerDirectory, "the tokenizer directory does not exist.");
        var tokenizer = MaMATokenizer.FromDirectory(tokenizerDirectory);
        if (tokenizer.VocabularySize != config.TextVocabSize || tokenizer.SepId != config.SeparatorTokenId)
            throw new TokenizerFileException(tokenizerDirectory,
                $"the tokenizer has {tokenizer.VocabularySize} tokens (sep id {tokenizer.SepId}) but the model expects {config.TextVocabSize} (sep id {config.SeparatorTokenId}).");
    }
}
