using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.DataViews;

/// <summary>
/// The one-row path of an <see cref="IBatchMapper"/>, for ML.NET's prediction engines: each row is a batch of one,
/// computed when an output column is first read at a new input position. Throughput belongs to
/// <see cref="BatchMappedDataView"/>; this serves single predictions.
/// </summary>
public sealed class BatchMapperRowMapper : IRowToRowMapper
{
    private readonly IBatchMapper _mapper;
    private readonly int[] _inputIndices;

    /// <summary>Validates <paramref name="inputSchema"/> now, not at the first row.</summary>
    public BatchMapperRowMapper(DataViewSchema inputSchema, IBatchMapper mapper)
    {
        InputSchema = inputSchema ?? throw new ArgumentNullException(nameof(inputSchema));
        _mapper = mapper ?? throw new ArgumentNullException(nameof(mapper));
        mapper.ValidateInputSchema(inputSchema);
        _inputIndices = mapper.InputColumnNames.Select(n => inputSchema[n].Index).ToArray();
        OutputSchema = BatchMappedDataView.BuildSchema(inputSchema, mapper);
    }

    /// <inheritdoc />
    public DataViewSchema InputSchema { get; }

    /// <inheritdoc />
    public DataViewSchema OutputSchema { get; }

    /// <inheritdoc />
    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var needed = new HashSet<int>();
        foreach (var column in dependingColumns)
        {
            if (column.Index >= InputSchema.Count) needed.UnionWith(_inputIndices);
            else needed.Add(column.Index);
        }
        return needed.Order().Select(i => InputSchema[i]);
    }

    /// <inheritdoc />
    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        var active = new bool[_mapper.OutputColumns.Count];
        foreach (var column in activeColumns)
            if (column.Index >= InputSchema.Count) active[column.Index - InputSchema.Count] = true;
        return new Row(this, input, active);
    }

    private sealed class Row : DataViewRow
    {
        private readonly BatchMapperRowMapper _parent;
        private readonly DataViewRow _input;
        private readonly bool[] _active;
        private readonly Func<object>[] _readers;
        private readonly object?[][] _outputs;
        private long _computedAt = -1;

        public Row(BatchMapperRowMapper parent, DataViewRow input, bool[] active)
        {
            _parent = parent;
            _input = input;
            _active = active;
            bool any = active.Any(a => a);
            _readers = any ? parent._inputIndices.Select(i => ColumnValueCopier.MakeReader(input, input.Schema[i])).ToArray() : [];
            _outputs = active.Select(a => new object?[a ? 1 : 0]).ToArray();
        }

        public override DataViewSchema Schema => _parent.OutputSchema;
        public override long Position => _input.Position;
        public override long Batch => _input.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            column.Index >= _parent.InputSchema.Count ? _active[column.Index - _parent.InputSchema.Count] : _input.IsColumnActive(_parent.InputSchema[column.Index]);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int inputCount = _parent.InputSchema.Count;
            if (column.Index < inputCount) return _input.GetGetter<TValue>(_parent.InputSchema[column.Index]);
            int output = column.Index - inputCount;
            if (!_active[output]) throw new InvalidOperationException($"column '{column.Name}' is not active in this row");
            return ColumnValueCopier.MakeGetter<TValue>(() =>
            {
                Compute();
                return _outputs[output][0];
            });
        }

        private void Compute()
        {
            if (_computedAt == _input.Position && _input.Position >= 0) return;
            var inputs = BatchInputs.FromBoxed([.. _readers.Select(read => new[] { read() })], 1);
            _parent._mapper.MapBatch(inputs, 1, _outputs, _active);
            _computedAt = _input.Position;
        }
    }
}
