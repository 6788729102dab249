using System.Collections;
using System.Text.RegularExpressions;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Text;

/// <summary>How a source stores the four linear weights of each block.</summary>
public enum Gpt2WeightLayout
{
    /// <summary>Hugging Face GPT-2: Conv1D weights [in, out], transposed on import.</summary>
    HuggingFaceConv1D,

    /// <summary>This encoder's own layout: nn.Linear weights [out, in], copied as they are.</summary>
    Linear,
}

/// <summary>What an import did.</summary>
/// <param name="Loaded">Encoder parameters that were filled.</param>
/// <param name="Ignored">Source entries skipped on purpose (<c>lm_head.*</c>, <c>attn.bias</c>, <c>attn.masked_bias</c>).</param>
/// <param name="Missing">Encoder parameters left untouched (non-strict import only).</param>
/// <param name="Unexpected">Source entries with no encoder parameter (non-strict import only).</param>
public sealed record Gpt2ImportReport(
    IReadOnlyList<string> Loaded, IReadOnlyList<string> Ignored, IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected);

/// <summary>
/// Loads Hugging Face GPT-2/BioMedLM weights (<c>GPT2Model</c> or <c>GPT2LMHeadModel</c> state dicts, with
/// or without the <c>transformer.</c> prefix) from safetensors or PyTorch pickle files into a
/// <see cref="Gpt2TextEncoder"/>. Conv1D weights are transposed, <c>lm_head</c> dropped and the attention
/// mask buffers (<c>attn.bias</c>, <c>attn.masked_bias</c>) ignored. Nothing is copied unless every check passes.
/// </summary>
public static partial class Gpt2WeightImporter
{
    [GeneratedRegex(@"^h\.\d+\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight$")]
    private static partial Regex Conv1DWeightName();

    /// <summary>
    /// Reads <paramref name="path"/> (<c>.safetensors</c>, else a <c>torch.save</c> zip pickle such as
    /// <c>pytorch_model.bin</c>) and loads it into <paramref name="encoder"/>.
    /// </summary>
    /// <param name="encoder">The encoder to fill; its vocabulary size must match the file's (resize after loading).</param>
    /// <param name="path">The weight file.</param>
    /// <param name="strict">When true (default), any missing or unexpected name is an error; shape mismatches always are.</param>
    /// <param name="layout">How the file stores the linear weights.</param>
    /// <exception cref="Gpt2WeightImportException">The file cannot be read, or its names or shapes do not fit.</exception>
    public static Gpt2ImportReport LoadFile(Gpt2TextEncoder encoder, string path, bool strict = true, Gpt2WeightLayout layout = Gpt2WeightLayout.HuggingFaceConv1D)
    {
        using var scope = NewDisposeScope();
        var source = ReadStateDict(path);
        return Load(encoder, source, path, strict, layout);
    }

    /// <summary>Reads every tensor of a safetensors or PyTorch pickle file, by its name in the file.</summary>
    /// <exception cref="Gpt2WeightImportException">The file is missing, malformed or holds something other than tensors.</exception>
    public static Dictionary<string, Tensor> ReadStateDict(string path)
    {
        if (!File.Exists(path)) throw new Gpt2WeightImportException(path, "file not found.");
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            SafetensorsPreflight.Check(path);
            try { return Safetensors.LoadStateDict(path); }
            catch (Exception e) when (e is not Gpt2WeightImportException)
            {
                throw new Gpt2WeightImportException(path, $"cannot read the safetensors file: {e.Message}", e);
            }
        }
        // The PyTorch zip is checked (pickle depth, storage sizes against the pickle) before any tensor is read.
        try
        {
            using var pickle = Weights.TorchZipPickle.Open(path);
            var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (string name in pickle.Tensors.Keys) result[name] = pickle.Read(name);
            return result;
        }
        catch (Weights.WeightLoadException e)
        {
            throw new Gpt2WeightImportException(path, $"cannot read it as a PyTorch state dict (torch.save zip format): {e.Message}", e);
        }
    }

    /// <summary>
    /// The encoder name for a source name: <c>transformer.</c> stripped; null for entries that are ignored
    /// on purpose (<c>lm_head.*</c>, <c>*.attn.bias</c>, <c>*.attn.masked_bias</c>).
    /// </summary>
    public static string? ToEncoderName(string sourceName)
    {
        string name = sourceName.StartsWith("transformer.", StringComparison.Ordinal) ? sourceName["transformer.".Length..] : sourceName;
        if (name.StartsWith("lm_head.", StringComparison.Ordinal)) return null;
        if (name.EndsWith(".attn.bias", StringComparison.Ordinal) || name.EndsWith(".attn.masked_bias", StringComparison.Ordinal)) return null;
        return name;
    }

    /// <summary>Loads an in-memory state dict; see <see cref="LoadFile"/>. <paramref name="sourceName"/> names it in errors.</summary>
    /// <exception cref="Gpt2WeightImportException">Names or shapes do not fit, or two source names map to one parameter.</exception>
    public static Gpt2ImportReport Load(
        Gpt2TextEncoder encoder, IReadOnlyDictionary<string, Tensor> source, string sourceName,
        bool strict = true, Gpt2WeightLayout layout = Gpt2WeightLayout.HuggingFaceConv1D)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(source);
        var targets = encoder.state_dict();
        var mapped = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var ignored = new List<string>();
        var unexpected = new List<string>();
        var mismatches = new List<string>();
        foreach (var (name, tensor) in source.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            string? target = ToEncoderName(name);
            if (target is null) { ignored.Add(name); continue; }
            if (!mapped.TryAdd(target, tensor))
                throw new Gpt2WeightImportException(sourceName, $"two entries map to '{target}' (one with and one without the 'transformer.' prefix).");
            if (!targets.TryGetValue(target, out var parameter)) { unexpected.Add(target); continue; }
            long[] shape = layout == Gpt2WeightLayout.HuggingFaceConv1D && Conv1DWeightName().IsMatch(target) && tensor.dim() == 2
                ? [tensor.shape[1], tensor.shape[0]]
                : tensor.shape;
            if (!shape.SequenceEqual(parameter.shape))
                mismatches.Add($"{target}: source [{string.Join(", ", shape)}] vs encoder [{string.Join(", ", parameter.shape)}]");
        }
        var missing = targets.Keys.Where(k => !mapped.ContainsKey(k)).ToList();
        if (mismatches.Count > 0 || (strict && (missing.Count > 0 || unexpected.Count > 0)))
            throw new Gpt2WeightImportException(sourceName, missing, unexpected, mismatches);

        var loaded = new List<string>();
        using (no_grad())
        {
            foreach (var (target, tensor) in mapped)
            {
                if (!targets.TryGetValue(target, out var parameter)) continue;
                using var scope = NewDisposeScope();
                var value = layout == Gpt2WeightLayout.HuggingFaceConv1D && Conv1DWeightName().IsMatch(target) ? tensor.t() : tensor;
                parameter.copy_(value);
                loaded.Add(target);
            }
        }
        return new Gpt2ImportReport(loaded, ignored, missing, unexpected);
    }
}
