using System.Text;

namespace MaMA.MLNet.Modeling.Weights;

/// <summary>One tensor whose shape in the file differs from the model's.</summary>
/// <param name="Name">The model's (torch-hub) name.</param>
/// <param name="Expected">The model's shape.</param>
/// <param name="Found">The file's shape (after any renaming and fusing).</param>
public sealed record ShapeMismatch(string Name, long[] Expected, long[] Found)
{
    /// <inheritdoc />
    public override string ToString() => $"{Name}: model [{string.Join(", ", Expected)}], file [{string.Join(", ", Found)}]";
}

/// <summary>What a weight load did: names loaded, missing, unexpected, mismatched and adapted.</summary>
public sealed class WeightLoadReport
{
    /// <summary>The file (or other source) the weights came from.</summary>
    public required string Source { get; init; }

    /// <summary>The naming scheme that was recognised (e.g. "torch hub", "Hugging Face").</summary>
    public required string Scheme { get; init; }

    /// <summary>The prefix stripped from the file's names ("" when none).</summary>
    public string Prefix { get; init; } = "";

    /// <summary>Model tensors that were set.</summary>
    public List<string> Loaded { get; } = [];

    /// <summary>Model tensors the file does not provide (an error under strict loading).</summary>
    public List<string> Missing { get; } = [];

    /// <summary>Model tensors the file does not provide but that the model does not need (the unused mask token).</summary>
    public List<string> MissingOptional { get; } = [];

    /// <summary>File tensors nothing in the model takes (an error under strict loading).</summary>
    public List<string> Unexpected { get; } = [];

    /// <summary>Tensors whose shapes differ (always an error under strict loading).</summary>
    public List<ShapeMismatch> ShapeMismatches { get; } = [];

    /// <summary>Notes on adaptations made, such as position embeddings interpolated to another grid.</summary>
    public List<string> Adaptations { get; } = [];

    /// <summary>True when nothing is missing, unexpected or mismatched.</summary>
    public bool IsClean => Missing.Count == 0 && Unexpected.Count == 0 && ShapeMismatches.Count == 0;

    /// <inheritdoc />
    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine($"{Scheme} names{(Prefix.Length > 0 ? $" under prefix '{Prefix}'" : "")}: {Loaded.Count} loaded.");
        void Section<T>(string title, IReadOnlyCollection<T> items)
        {
            if (items.Count == 0) return;
            text.AppendLine($"{title} ({items.Count}):");
            foreach (var item in items) text.AppendLine($"  {item}");
        }
        Section("Missing from the file", Missing);
        Section("Unexpected in the file", Unexpected);
        Section("Shape mismatches", ShapeMismatches);
        Section("Missing but unused", MissingOptional);
        Section("Adapted", Adaptations);
        return text.ToString().TrimEnd();
    }
}
