using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.DataViews;

/// <summary>A column a <see cref="IBatchMapper"/> adds to its input.</summary>
/// <param name="Name">Column name.</param>
/// <param name="Type">ML.NET type: a scalar, text, or a vector type.</param>
/// <param name="Annotations">Slot names, key values and the like; null for none.</param>
public sealed record BatchOutputColumn(string Name, DataViewType Type, DataViewSchema.Annotations? Annotations = null);

/// <summary>
/// Computes output columns for a batch of rows at once (one model forward per batch instead of per row).
/// Implementations must be safe to call from several threads at once: ML.NET may run parallel cursors.
/// </summary>
public interface IBatchMapper
{
    /// <summary>Input columns the mapper reads, in the order <see cref="MapBatch"/> receives them.</summary>
    IReadOnlyList<string> InputColumnNames { get; }

    /// <summary>Columns the mapper adds.</summary>
    IReadOnlyList<BatchOutputColumn> OutputColumns { get; }

    /// <summary>The most rows one <see cref="MapBatch"/> call receives.</summary>
    int BatchSize { get; }

    /// <summary>Checks that the input schema has the input columns with usable types.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    void ValidateInputSchema(DataViewSchema inputSchema);

    /// <summary>
    /// Maps <paramref name="rowCount"/> rows. <paramref name="inputs"/>[c][r] holds input column c of row r
    /// (a boxed VBuffer, ReadOnlyMemory&lt;char&gt;, float, ...; owned by the caller, not to be kept); a known-size
    /// Single vector column may also be read packed (<see cref="BatchInputs.TryGetPacked"/>), which skips a copy per row.
    /// Fill <paramref name="outputs"/>[o][r] for every output o whose <paramref name="activeOutputs"/>[o] is set.
    /// </summary>
    void MapBatch(BatchInputs inputs, int rowCount, object?[][] outputs, bool[] activeOutputs);
}
