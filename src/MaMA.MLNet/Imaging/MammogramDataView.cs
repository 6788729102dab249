using MaMA.MLNet.Imaging.Preprocessing;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.Imaging;

/// <summary>
/// The lazy output of <see cref="MammogramLoadingTransformer"/>: nothing is read until a cursor asks for an
/// added column of a row, and each cursor of a cursor set reads its own rows, so ML.NET's parallel consumers
/// load images in parallel.
/// </summary>
internal sealed class MammogramDataView : IDataView
{
    private readonly IDataView _input;
    private readonly MammogramColumnLayout _layout;
    private readonly LoadMammogramsOptions _options;
    private readonly MammogramPreprocessor _preprocessor;

    public MammogramDataView(IDataView input, MammogramColumnLayout layout, LoadMammogramsOptions options, MammogramPreprocessor preprocessor)
    {
        _input = input;
        _layout = layout;
        _options = options;
        _preprocessor = preprocessor;
    }

    public bool CanShuffle => _input.CanShuffle;

    public DataViewSchema Schema => _layout.Output;

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        (IEnumerable<DataViewSchema.Column> inputColumns, bool[] active) = Needed(columnsNeeded);
        return Wrap(_input.GetRowCursor(inputColumns, rand), active);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        (IEnumerable<DataViewSchema.Column> inputColumns, bool[] active) = Needed(columnsNeeded);
        return _input.GetRowCursorSet(inputColumns, n, rand).Select(c => Wrap(c, active)).ToArray();
    }

    private DataViewRowCursor Wrap(DataViewRowCursor input, bool[] active) =>
        new MammogramRowCursor(input, _layout, active, active.Skip(_layout.Input.Count).Any(a => a)
            ? new MammogramRowReader(input, _layout, _options, _preprocessor)
            : null);

    // Which input columns the consumer needs, plus the source column when any added column is asked for.
    private (IEnumerable<DataViewSchema.Column>, bool[]) Needed(IEnumerable<DataViewSchema.Column> columnsNeeded)
    {
        var active = new bool[_layout.Output.Count];
        foreach (DataViewSchema.Column c in columnsNeeded) active[c.Index] = true;
        bool anyAdded = active.Skip(_layout.Input.Count).Any(a => a);
        var inputColumns = new List<DataViewSchema.Column>();
        for (int i = 0; i < _layout.Input.Count; i++)
            if (active[i] || (anyAdded && i == _layout.InputColumnIndex)) inputColumns.Add(_layout.Input[i]);
        return (inputColumns, active);
    }
}

/// <summary>A cursor over <see cref="MammogramDataView"/>: input columns pass through, added columns come from the row reader.</summary>
internal sealed class MammogramRowCursor : DataViewRowCursor
{
    private readonly DataViewRowCursor _input;
    private readonly MammogramColumnLayout _layout;
    private readonly bool[] _active;
    private readonly MammogramRowReader? _reader;

    public MammogramRowCursor(DataViewRowCursor input, MammogramColumnLayout layout, bool[] active, MammogramRowReader? reader)
    {
        _input = input;
        _layout = layout;
        _active = active;
        _reader = reader;
    }

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override DataViewSchema Schema => _layout.Output;

    public override bool MoveNext() => _input.MoveNext();

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column) =>
        _layout.IsAdded(column.Index) ? _active[column.Index] : _input.IsColumnActive(_layout.Input[column.Index]);

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
        MammogramRow.Getter<TValue>(_input, _layout, _reader, _active, column);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _input.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>One row of the loader's output over one input row, for <see cref="IRowToRowMapper"/> (prediction engines).</summary>
internal sealed class MammogramRow : DataViewRow
{
    private readonly DataViewRow _input;
    private readonly MammogramColumnLayout _layout;
    private readonly bool[] _active;
    private readonly MammogramRowReader? _reader;

    public MammogramRow(DataViewRow input, MammogramColumnLayout layout, bool[] active, MammogramRowReader? reader)
    {
        _input = input;
        _layout = layout;
        _active = active;
        _reader = reader;
    }

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override DataViewSchema Schema => _layout.Output;

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column) =>
        _layout.IsAdded(column.Index) ? _active[column.Index] : _input.IsColumnActive(_layout.Input[column.Index]);

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => Getter<TValue>(_input, _layout, _reader, _active, column);

    internal static ValueGetter<TValue> Getter<TValue>(DataViewRow input, MammogramColumnLayout layout, MammogramRowReader? reader, bool[] active, DataViewSchema.Column column)
    {
        if (!layout.IsAdded(column.Index)) return input.GetGetter<TValue>(layout.Input[column.Index]);
        if (!active[column.Index] || reader is null)
            throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was created.");
        Delegate getter = reader.MakeGetter(column.Index);
        return getter as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}; a getter of {typeof(TValue).Name} was asked for.");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _input.Dispose();
        base.Dispose(disposing);
    }
}
