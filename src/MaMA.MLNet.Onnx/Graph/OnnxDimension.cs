namespace MaMA.MLNet.Onnx.Graph;

/// <summary>
/// One dimension of a graph input or output: a fixed size, or a named symbol (such as <c>batch</c>) that
/// the runtime binds when the model is run.
/// </summary>
public readonly record struct OnnxDimension
{
    private OnnxDimension(long? size, string? symbol) { Size = size; Symbol = symbol; }

    /// <summary>The fixed size, or null for a symbolic dimension.</summary>
    public long? Size { get; }

    /// <summary>The symbol name, or null for a fixed dimension.</summary>
    public string? Symbol { get; }

    /// <summary>A dimension of fixed size.</summary>
    public static OnnxDimension Fixed(long size) =>
        size >= 0 ? new(size, null) : throw new ArgumentOutOfRangeException(nameof(size), size, "A dimension is not negative.");

    /// <summary>A dimension bound at run time, named <paramref name="symbol"/>.</summary>
    public static OnnxDimension Dynamic(string symbol) =>
        !string.IsNullOrWhiteSpace(symbol) ? new(null, symbol) : throw new ArgumentException("A symbolic dimension needs a name.", nameof(symbol));

    /// <summary>A fixed dimension.</summary>
    public static implicit operator OnnxDimension(long size) => Fixed(size);

    /// <summary>A symbolic dimension.</summary>
    public static implicit operator OnnxDimension(string symbol) => Dynamic(symbol);

    /// <inheritdoc />
    public override string ToString() => Symbol ?? Size!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
