using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.DataViews;

/// <summary>
/// A lazy <see cref="IDataView"/>: the source's columns plus the columns of an <see cref="IBatchMapper"/>,
/// computed a batch at a time as cursors move. Nothing is computed until a cursor asks for an output column,
/// memory holds one batch per cursor, and each of several parallel cursors maps its own batches.
/// </summary>
public sealed class BatchMappedDataView : IDataView
{
    private readonly IDataView _source;
    private readonly IBatchMapper _mapper;
    private readonly int[] _inputIndices;

    /// <summary>Wraps <paramref name="source"/>; validates the input columns now, not at the first row.</summary>
    public BatchMappedDataView(IDataView source, IBatchMapper mapper)
    {
        _source = source ?? throw new ArgumentNullException(nameof(source));
        _mapper = mapper ?? throw new ArgumentNullException(nameof(mapper));
        if (mapper.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(mapper), "batch size must be at least 1");
        mapper.ValidateInputSchema(source.Schema);
        _inputIndices = mapper.InputColumnNames.Select(n => source.Schema[n].Index).ToArray();
        Schema = BuildSchema(source.Schema, mapper);
    }

    /// <summary>The source schema followed by the mapper's output columns (which hide same-named source columns).</summary>
    public static DataViewSchema BuildSchema(DataViewSchema source, IBatchMapper mapper)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(source);
        foreach (var column in mapper.OutputColumns) builder.AddColumn(column.Name, column.Type, column.Annotations);
        return builder.ToSchema();
    }

    /// <inheritdoc />
    public bool CanShuffle => _source.CanShuffle;

    /// <inheritdoc />
    public DataViewSchema Schema { get; }

    /// <inheritdoc />
    public long? GetRowCount() => _source.GetRowCount();

    /// <inheritdoc />
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var (sourceColumns, activeOutputs) = Split(columnsNeeded);
        return new Cursor(this, _source.GetRowCursor(sourceColumns, rand), activeOutputs);
    }

    /// <inheritdoc />
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var (sourceColumns, activeOutputs) = Split(columnsNeeded);
        return _source.GetRowCursorSet(sourceColumns, n, rand)
            .Select(c => (DataViewRowCursor)new Cursor(this, c, (bool[])activeOutputs.Clone()))
            .ToArray();
    }

    private (List<DataViewSchema.Column> SourceColumns, bool[] ActiveOutputs) Split(IEnumerable<DataViewSchema.Column> columnsNeeded)
    {
        int sourceCount = _source.Schema.Count;
        var active = new bool[_mapper.OutputColumns.Count];
        var sourceColumns = new HashSet<int>();
        foreach (var column in columnsNeeded)
        {
            if (column.Index >= sourceCount) active[column.Index - sourceCount] = true;
            else sourceColumns.Add(column.Index);
        }
        if (active.Any(a => a)) sourceColumns.UnionWith(_inputIndices);
        return (sourceColumns.Order().Select(i => _source.Schema[i]).ToList(), active);
    }

    /// <summary>
    /// Reads up to a batch of source rows ahead, caches what is needed, maps them, then serves them one by one.
    /// Known-size Single vector columns (model-ready images) are cached packed: every row is read straight into one
    /// pinned buffer of batch x size floats that this cursor reuses for every batch, so the mapper can hand the batch
    /// to TorchSharp or ONNX Runtime without copying it again and no per-row arrays are allocated. Each cursor owns
    /// its buffers, so parallel cursors never share one.
    /// </summary>
    private sealed class Cursor : DataViewRowCursor
    {
        private readonly BatchMappedDataView _parent;
        private readonly DataViewRowCursor _source;
        private readonly bool[] _activeOutputs;
        private readonly bool _mapping;
        private readonly Dictionary<int, int> _cacheSlotOfColumn = new();
        private readonly Func<object>?[] _readers;                   // boxed slots
        private readonly ColumnValueCopier.PackedReader?[] _packedReaders;
        private readonly object[]?[] _cache;                         // [slot][row in batch], boxed slots
        private readonly float[]?[] _packed;                         // [slot][row * size + i], packed slots
        private readonly int[] _rowSizes;                            // floats per row, packed slots
        private readonly ValueGetter<DataViewRowId> _sourceId;
        private readonly DataViewRowId[] _ids;
        private readonly object?[][] _outputs;                       // [output][row in batch]
        private int _count, _index = -1;
        private long _position = -1;
        private bool _done;

        public Cursor(BatchMappedDataView parent, DataViewRowCursor source, bool[] activeOutputs)
        {
            _parent = parent;
            _source = source;
            _activeOutputs = activeOutputs;
            _mapping = activeOutputs.Any(a => a);
            int batch = parent._mapper.BatchSize;
            int[] cached = source.Schema.Where(c => source.IsColumnActive(c)).Select(c => c.Index).ToArray();
            _readers = new Func<object>?[cached.Length];
            _packedReaders = new ColumnValueCopier.PackedReader?[cached.Length];
            _cache = new object[]?[cached.Length];
            _packed = new float[]?[cached.Length];
            _rowSizes = new int[cached.Length];
            for (int slot = 0; slot < cached.Length; slot++)
            {
                var column = source.Schema[cached[slot]];
                _cacheSlotOfColumn[column.Index] = slot;
                if (ColumnValueCopier.IsPackable(column.Type, out int size))
                {
                    _packedReaders[slot] = ColumnValueCopier.MakePackedReader(source, column, size);
                    _packed[slot] = GC.AllocateUninitializedArray<float>(checked(batch * size), pinned: true);
                    _rowSizes[slot] = size;
                }
                else
                {
                    _readers[slot] = ColumnValueCopier.MakeReader(source, column);
                    _cache[slot] = new object[batch];
                }
            }
            _sourceId = source.GetIdGetter();
            _ids = new DataViewRowId[batch];
            _outputs = activeOutputs.Select(a => new object?[a ? batch : 0]).ToArray();
        }

        public override DataViewSchema Schema => _parent.Schema;
        public override long Position => _position;
        public override long Batch => _source.Batch;

        public override bool IsColumnActive(DataViewSchema.Column column)
        {
            int sourceCount = _parent._source.Schema.Count;
            return column.Index >= sourceCount ? _activeOutputs[column.Index - sourceCount] : _source.IsColumnActive(_parent._source.Schema[column.Index]);
        }

        public override bool MoveNext()
        {
            if (_done) return false;
            if (++_index >= _count)
            {
                FillBatch();
                if (_count == 0)
                {
                    _done = true;
                    return false;
                }
                _index = 0;
            }
            _position++;
            return true;
        }

        private void FillBatch()
        {
            _count = 0;
            int batch = _parent._mapper.BatchSize;
            while (_count < batch && _source.MoveNext())
            {
                for (int slot = 0; slot < _readers.Length; slot++)
                {
                    if (_packedReaders[slot] is { } packed) packed(_packed[slot]!, _count * _rowSizes[slot]);
                    else _cache[slot]![_count] = _readers[slot]!();
                }
                _sourceId(ref _ids[_count]);
                _count++;
            }
            if (_count == 0 || !_mapping) return;
            var slots = _parent._inputIndices.Select(i => _cacheSlotOfColumn[i]).ToArray();
            var inputs = BatchInputs.Create(
                [.. slots.Select(s => _cache[s])], [.. slots.Select(s => _packed[s])], [.. slots.Select(s => _rowSizes[s])], _count);
            _parent._mapper.MapBatch(inputs, _count, _outputs, _activeOutputs);
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int sourceCount = _parent._source.Schema.Count;
            if (column.Index >= sourceCount)
            {
                int output = column.Index - sourceCount;
                if (!_activeOutputs[output]) throw new InvalidOperationException($"column '{column.Name}' is not active in this cursor");
                var values = _outputs[output];
                return ColumnValueCopier.MakeGetter<TValue>(() => values[_index]);
            }
            if (!_cacheSlotOfColumn.TryGetValue(column.Index, out int slot))
                throw new InvalidOperationException($"column '{column.Name}' is not active in this cursor");
            if (_packed[slot] is { } buffer)
            {
                return ColumnValueCopier.MakePackedGetter<TValue>(column, buffer, _rowSizes[slot], () => _index);
            }
            var cached = _cache[slot]!;
            return ColumnValueCopier.MakeGetter<TValue>(() => cached[_index]);
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = _ids[_index];

        protected override void Dispose(bool disposing)
        {
            if (disposing) _source.Dispose();
            base.Dispose(disposing);
        }
    }
}
