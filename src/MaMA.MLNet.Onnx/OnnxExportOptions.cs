namespace MaMA.MLNet.Onnx;

/// <summary>Settings that apply to any exported model.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>The symbolic name of the batch axis on every input and output.</summary>
    public string BatchAxisName { get; init; } = "batch";

    /// <summary>A human description stored as the model's doc string.</summary>
    public string? Description { get; init; }

    /// <summary>Extra <c>metadata_props</c> entries; they may not reuse the keys in <see cref="OnnxMetadataKeys"/>.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}
