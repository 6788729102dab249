using System.Text.Json;
using MaMA.MLNet.Modeling.Weights;

namespace MaMA.MLNet.Modeling.Pretrained;

/// <summary>
/// Reads a Hugging Face <c>config.json</c> as a flat JSON object and hands out typed fields, each error naming the
/// file and the field. The file is bounded (a model config is a few kilobytes), so a wrong file cannot make it
/// read gigabytes.
/// </summary>
internal sealed class HuggingFaceConfigFile
{
    private const long MaxBytes = 1L << 20;
    private readonly JsonElement root;

    private HuggingFaceConfigFile(string path, JsonElement root)
    {
        Path = path;
        this.root = root;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="WeightLoadException">The file is missing, too large, or not a JSON object.</exception>
    public static HuggingFaceConfigFile Read(string path)
    {
        if (!File.Exists(path)) throw new WeightLoadException($"Hugging Face config '{path}' does not exist.");
        long length = new FileInfo(path).Length;
        if (length > MaxBytes) throw new WeightLoadException($"Hugging Face config '{path}' is {length:N0} bytes; a model config is a few kilobytes (limit {MaxBytes:N0}).");
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new WeightLoadException($"Hugging Face config '{path}' is not a JSON object.");
            return new HuggingFaceConfigFile(path, document.RootElement.Clone());
        }
        catch (JsonException e)
        {
            throw new WeightLoadException($"Hugging Face config '{path}' is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>The <c>model_type</c> field, or null.</summary>
    public string? ModelType => String("model_type");

    /// <summary>A string field, or null when absent or null.</summary>
    public string? String(string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>A required positive integer field.</summary>
    public int RequiredInt(string name) =>
        OptionalInt(name) ?? throw new WeightLoadException($"Hugging Face config '{Path}' has no '{name}'.");

    /// <summary>An optional integer field (null when absent or JSON null).</summary>
    public int? OptionalInt(string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int result) || result < 0)
            throw new WeightLoadException($"Hugging Face config '{Path}': '{name}' must be a non-negative integer, got {value.GetRawText()}.");
        return result;
    }

    /// <summary>An optional number field.</summary>
    public double? OptionalDouble(string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.Number || !double.IsFinite(value.GetDouble()))
            throw new WeightLoadException($"Hugging Face config '{Path}': '{name}' must be a number, got {value.GetRawText()}.");
        return value.GetDouble();
    }

    /// <summary>An optional boolean field.</summary>
    public bool? OptionalBool(string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new WeightLoadException($"Hugging Face config '{Path}': '{name}' must be true or false, got {value.GetRawText()}."),
        };
    }

    /// <summary>Wraps a validation failure of the config built from this file.</summary>
    public WeightLoadException Invalid(ArgumentException e) =>
        new($"Hugging Face config '{Path}' describes an unusable model: {e.Message}", e);
}
