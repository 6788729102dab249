using System.Collections;
using Microsoft.ML.Data;

namespace MaMA.MLNet.DataViews;

/// <summary>
/// The input columns of one batch handed to <see cref="IBatchMapper.MapBatch"/>. Each column is a list of boxed
/// per-row values; a known-size Single vector column (a model-ready image) may instead arrive packed: its rows one
/// after another in one buffer the cursor reuses for every batch, so a mapper can hand the batch to a tensor
/// library without a per-row copy. The values belong to the caller and are valid only during the call.
/// </summary>
public sealed class BatchInputs : IReadOnlyList<object[]>
{
    private readonly object[]?[] _boxed;
    private readonly float[]?[] _packed;
    private readonly int[] _rowSizes;

    private BatchInputs(object[]?[] boxed, float[]?[] packed, int[] rowSizes, int rowCount)
    {
        _boxed = boxed;
        _packed = packed;
        _rowSizes = rowSizes;
        RowCount = rowCount;
    }

    /// <summary>Boxed columns only: <paramref name="columns"/>[c][r] is column c of row r.</summary>
    public static BatchInputs FromBoxed(IReadOnlyList<object[]> columns, int rowCount)
    {
        ArgumentNullException.ThrowIfNull(columns);
        return new BatchInputs([.. columns], new float[columns.Count][], new int[columns.Count], rowCount);
    }

    /// <summary>
    /// Columns that are either boxed (<paramref name="boxed"/>[c] set) or packed (<paramref name="packed"/>[c] set,
    /// <paramref name="rowSizes"/>[c] floats per row, the first <paramref name="rowCount"/> rows used).
    /// </summary>
    internal static BatchInputs Create(object[]?[] boxed, float[]?[] packed, int[] rowSizes, int rowCount) => new(boxed, packed, rowSizes, rowCount);

    /// <summary>Rows in this batch.</summary>
    public int RowCount { get; }

    /// <summary>Number of input columns.</summary>
    public int Count => _boxed.Length;

    /// <summary>
    /// Column <paramref name="column"/> as boxed per-row values (VBuffer, ReadOnlyMemory&lt;char&gt;, float, ...).
    /// A packed column is boxed on first use (one copy per row); prefer <see cref="TryGetPacked"/> for those.
    /// </summary>
    public object[] this[int column] => _boxed[column] ??= Box(column);

    /// <summary>
    /// The rows of a packed column: <see cref="RowCount"/> x <paramref name="rowSize"/> floats, row after row, in a
    /// buffer that starts at offset 0 of its array (so <c>MemoryMarshal.TryGetArray</c> can hand it to native code
    /// without a copy). Read only; the cursor writes the next batch into the same buffer.
    /// </summary>
    public bool TryGetPacked(int column, out ReadOnlyMemory<float> rows, out int rowSize)
    {
        if (_packed[column] is { } buffer)
        {
            rowSize = _rowSizes[column];
            rows = new ReadOnlyMemory<float>(buffer, 0, RowCount * rowSize);
            return true;
        }
        (rows, rowSize) = (default, 0);
        return false;
    }

    private object[] Box(int column)
    {
        float[] buffer = _packed[column]!;
        int size = _rowSizes[column];
        var rows = new object[RowCount];
        for (int r = 0; r < RowCount; r++) rows[r] = new VBuffer<float>(size, buffer.AsSpan(r * size, size).ToArray());
        return rows;
    }

    /// <inheritdoc />
    public IEnumerator<object[]> GetEnumerator()
    {
        for (int c = 0; c < Count; c++) yield return this[c];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
