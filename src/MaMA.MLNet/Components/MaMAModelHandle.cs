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
/// <para>
/// Thread safety: parallel cursors and prediction engines call the model's forward at the same time. That is safe
/// because the model is in eval mode and only read (dropout off, batch norm on its running statistics, no hooks, no
/// buffers written; gradient mode and TorchSharp dispose scopes are per thread) and because the forward creates no
/// implicit TorchSharp <c>Scalar</c> that a collection on another thread could free mid-call
/// (<c>MaMA.MLNet.Modeling.ExplicitScalars</c>).
/// </para>
/// <para>
/// Lifetime: the native model is freed when the last reference goes: the owner's (<see cref="Dispose"/>), those
/// added by <see cref="AddReference"/>, and a <see cref="Use"/> lease around each forward. So a disposal on one thread
/// (ML.NET's prediction engines dispose the transformer they were made from) never frees weights another thread is
/// reading; once all are gone, <see cref="Use"/> throws <see cref="ObjectDisposedException"/>.
/// </para>
/// </remarks>
public sealed class MaMAModelHandle : IDisposable
{
    private readonly Dictionary<string, byte[]> _tokenizerFiles;
    private readonly Lock _gate = new();
    private readonly List<Action> _onRelease = [];
    private int _references = 1; // the owner's
    private bool _ownerReleased;

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

    /// <summary>A lease that keeps the native model alive while a forward runs; dispose it when the call returns.</summary>
    /// <exception cref="ObjectDisposedException">Every reference to the model has been released.</exception>
    public Lease Use()
    {
        AddReference();
        return new Lease(this);
    }

    /// <summary>Adds a reference that <see cref="ReleaseReference"/> gives back (a prediction engine's, say).</summary>
    /// <exception cref="ObjectDisposedException">Every reference to the model has been released.</exception>
    public void AddReference()
    {
        lock (_gate)
        {
            if (_references == 0)
                throw new ObjectDisposedException(nameof(MaMAModelHandle),
                    "The MaMA model was disposed: its transformer was disposed (a PredictionEngine disposes the transformer it was made from unless PredictionEngineOptions.OwnsTransformer is false).");
            _references++;
        }
    }

    /// <summary>Gives back a reference taken by <see cref="AddReference"/>; the last one frees the model.</summary>
    public void ReleaseReference()
    {
        bool last;
        lock (_gate)
        {
            if (_references == 0) return;
            last = --_references == 0;
        }
        if (!last) return;
        foreach (var action in _onRelease) action();
        Model.Dispose();
    }

    /// <summary>Runs <paramref name="release"/> when the model is freed (a session built from it, say).</summary>
    internal void OnRelease(Action release)
    {
        lock (_gate) _onRelease.Add(release);
    }

    /// <summary>Gives back the owner's reference (once); the model is freed when no other reference or lease is left.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_ownerReleased) return;
            _ownerReleased = true;
        }
        ReleaseReference();
    }

    /// <summary>Keeps the model alive until disposed.</summary>
    public readonly struct Lease : IDisposable
    {
        private readonly MaMAModelHandle? _handle;

        internal Lease(MaMAModelHandle handle) => _handle = handle;

        /// <summary>Gives the reference back.</summary>
        public void Dispose() => _handle?.ReleaseReference();
    }
}
