using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Components;

/// <summary>
/// A MaMA model loaded once for a transformer: the model (eval mode, on its device), its tokenizer, and the
/// tokenizer's files kept in memory so the transformer can save the model again after the folder it came from is gone.
/// </summary>
/// <remarks>
/// Thread safety: parallel cursors call the model's forward at the same time. That is safe here because the model
/// is in eval mode and only read: dropout is off, batch norm uses its running statistics, no hooks, no
/// buffers written; gradient mode and TorchSharp dispose scopes are per thread. Nothing else is shared.
/// </remarks>
public sealed class MaMAModelHandle : IDisposable
{
    private readonly Dictionary<string, byte[]> _tokenizerFiles;

    private MaMAModelHandle(MaMAModel model, MaMATokenizer? tokenizer, Dictionary<string, byte[]> tokenizerFiles, Device device)
    {
        Model = model;
        Tokenizer = tokenizer;
        _tokenizerFiles = tokenizerFiles;
        Device = device;
    }

    /// <summary>The model, in eval mode.</summary>
    public MaMAModel Model { get; }

    /// <summary>
    /// The tokenizer saved with the model; without a tokenizer folder, the bundled GPT-2 tokenizer when the model's
    /// base vocabulary is GPT-2's (what <c>mama zeroshot</c> does too); otherwise null.
    /// </summary>
    public MaMATokenizer? Tokenizer { get; }

    /// <summary>Where the model runs.</summary>
    public Device Device { get; }

    /// <summary>The model's configuration.</summary>
    public MaMAConfig Config => Model.Config;

    /// <summary>The tokenizer, or a clear error naming what needs it.</summary>
    /// <exception cref="InvalidOperationException">The model directory has no tokenizer.</exception>
    public MaMATokenizer RequireTokenizer(string purpose) => Tokenizer
        ?? throw new InvalidOperationException($"{purpose} needs a tokenizer, but the model directory has no '{MaMAModelDirectory.TokenizerFolder}' folder "
            + $"and its base vocabulary ({Config.Text.VocabSize} tokens) is not GPT-2's ({Gpt2VocabularySize}), so the bundled GPT-2 tokenizer cannot stand in.");

    /// <summary>GPT-2's base vocabulary size (50,000 merges + 256 bytes + end of text).</summary>
    internal const int Gpt2VocabularySize = 50257;

    /// <summary>The directory's tokenizer, or the bundled GPT-2 one when there is none and the model's vocabulary is GPT-2's.</summary>
    internal static MaMATokenizer? TokenizerOrGpt2(LoadedMaMAModel loaded) =>
        loaded.Tokenizer ?? (loaded.Model.Config.Text.VocabSize == Gpt2VocabularySize ? MaMATokenizer.CreateGpt2() : null);

    /// <summary>Loads a model directory (<see cref="MaMAModelDirectory"/>) onto <paramref name="deviceName"/> (cpu, cuda, cuda:N, auto).</summary>
    /// <exception cref="MaMAModelFormatException">The directory is not a MaMA model.</exception>
    public static MaMAModelHandle Load(string modelDirectory, string deviceName = "cpu")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelDirectory);
        var device = TorchRuntime.ResolveDevice(deviceName);
        var loaded = MaMAModelDirectory.Load(modelDirectory, device);
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        string tokenizerFolder = Path.Combine(modelDirectory, MaMAModelDirectory.TokenizerFolder);
        if (Directory.Exists(tokenizerFolder))
            foreach (string file in Directory.EnumerateFiles(tokenizerFolder))
                files[Path.GetFileName(file)] = File.ReadAllBytes(file);
        return new MaMAModelHandle(loaded.Model, TokenizerOrGpt2(loaded), files, device);
    }

    /// <summary>Saves the model (and its tokenizer) as a model directory at <paramref name="directory"/>.</summary>
    public void Save(string directory)
    {
        string? tokenizer = null;
        try
        {
            if (_tokenizerFiles.Count > 0)
            {
                tokenizer = Directory.CreateTempSubdirectory("mama-tokenizer-").FullName;
                foreach (var (name, bytes) in _tokenizerFiles) File.WriteAllBytes(Path.Combine(tokenizer, name), bytes);
            }
            MaMAModelDirectory.Save(Model, directory, tokenizer);
        }
        finally
        {
            if (tokenizer is not null) Directory.Delete(tokenizer, recursive: true);
        }
    }

    /// <summary>Copies a batch of row-major floats into a tensor on the model's device.</summary>
    public Tensor ToDevice(float[] values, long[] shape)
    {
        var t = tensor(values, shape);
        return Device.type == DeviceType.CPU ? t : t.to(Device);
    }

    /// <summary>Disposes the model.</summary>
    public void Dispose() => Model.Dispose();
}
