namespace MaMA.MLNet.Modeling.Text;

/// <summary>
/// A GPT-2 weight file could not be loaded into an encoder: it is unreadable or malformed, or its names or
/// shapes do not fit the model. The lists say exactly which names failed and how.
/// </summary>
public sealed class Gpt2WeightImportException : Exception
{
    /// <summary>Creates the exception for a file-level problem (unreadable, malformed).</summary>
    public Gpt2WeightImportException(string source, string message, Exception? inner = null)
        : base($"{source}: {message}", inner)
    {
        Source = source;
    }

    /// <summary>Creates the exception for names and shapes that do not fit the model.</summary>
    public Gpt2WeightImportException(string source, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> shapeMismatches)
        : base(Describe(source, missing, unexpected, shapeMismatches))
    {
        Source = source;
        Missing = missing;
        Unexpected = unexpected;
        ShapeMismatches = shapeMismatches;
    }

    /// <summary>The file (or other source) that was being loaded.</summary>
    public new string Source { get; }

    /// <summary>Encoder parameters the source does not provide.</summary>
    public IReadOnlyList<string> Missing { get; } = [];

    /// <summary>Source entries (as encoder names) the encoder has no parameter for.</summary>
    public IReadOnlyList<string> Unexpected { get; } = [];

    /// <summary>Entries present on both sides with different shapes, as "name: source [..] (after layout) vs encoder [..]".</summary>
    public IReadOnlyList<string> ShapeMismatches { get; } = [];

    private static string Describe(string source, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> mismatches)
    {
        static string Section(string title, IReadOnlyList<string> items) =>
            items.Count == 0 ? "" : $"{Environment.NewLine}  {title} ({items.Count}): {string.Join(", ", items.Take(20))}{(items.Count > 20 ? ", ..." : "")}";
        return $"{source}: the weights do not fit the GPT-2 encoder." +
               Section("missing", missing) + Section("unexpected", unexpected) + Section("shape mismatch", mismatches);
    }
}
