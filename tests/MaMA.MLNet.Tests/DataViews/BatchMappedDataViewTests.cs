using System.Collections.Concurrent;
using MaMA.MLNet.DataViews;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.Tests.DataViews;

[TestClass]
public sealed class BatchMappedDataViewTests
{
    private sealed class Row
    {
        public string Name { get; set; } = "";
        [VectorType(3)] public float[] Values { get; set; } = [];
    }

    private sealed class RowWithSum
    {
        public string Name { get; set; } = "";
        public float[] Values { get; set; } = [];
        public float Sum { get; set; }
        [VectorType(2)] public float[] Doubled { get; set; } = [];
    }

    /// <summary>Sum of the vector, and its first two values doubled; records every batch size it sees.</summary>
    private sealed class SumMapper(int batchSize) : IBatchMapper
    {
        public ConcurrentQueue<int> BatchSizes { get; } = new();
        public IReadOnlyList<string> InputColumnNames => ["Values"];
        public IReadOnlyList<BatchOutputColumn> OutputColumns =>
            [new("Sum", NumberDataViewType.Single), new("Doubled", new VectorDataViewType(NumberDataViewType.Single, 2))];
        public int BatchSize => batchSize;

        public void ValidateInputSchema(DataViewSchema inputSchema)
        {
            var column = inputSchema.GetColumnOrNull("Values") ?? throw new ArgumentOutOfRangeException(nameof(inputSchema), "no Values column");
            if (column.Type is not VectorDataViewType { ItemType: NumberDataViewType } vector || vector.ItemType.RawType != typeof(float))
                throw new ArgumentOutOfRangeException(nameof(inputSchema), "Values must be a float vector");
        }

        public void MapBatch(BatchInputs inputs, int rowCount, object?[][] outputs, bool[] activeOutputs)
        {
            BatchSizes.Enqueue(rowCount);
            for (int r = 0; r < rowCount; r++)
            {
                var v = ((VBuffer<float>)inputs[0][r]).DenseValues().ToArray();
                if (activeOutputs[0]) outputs[0][r] = v.Sum();
                if (activeOutputs[1]) outputs[1][r] = new VBuffer<float>(2, [2 * v[0], 2 * v[1]]);
            }
        }
    }

    private sealed class SparseRow
    {
        public string Name { get; set; } = "";
        [VectorType(4)] public VBuffer<float> Values { get; set; }
    }

    /// <summary>Reads its input packed; writes the row's four values back as they arrived, and records the packed buffers.</summary>
    private sealed class PackedMapper(int batchSize) : IBatchMapper
    {
        public ConcurrentQueue<float[]> Buffers { get; } = new();
        public IReadOnlyList<string> InputColumnNames => ["Values"];
        public IReadOnlyList<BatchOutputColumn> OutputColumns => [new("Echo", new VectorDataViewType(NumberDataViewType.Single, 4))];
        public int BatchSize => batchSize;

        public void ValidateInputSchema(DataViewSchema inputSchema)
        {
        }

        public void MapBatch(BatchInputs inputs, int rowCount, object?[][] outputs, bool[] activeOutputs)
        {
            Assert.IsTrue(inputs.TryGetPacked(0, out var rows, out int size), "a known-size Single vector arrives packed");
            Assert.AreEqual(4, size);
            Assert.AreEqual(rowCount * 4, rows.Length);
            Assert.IsTrue(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(rows, out var segment));
            Buffers.Enqueue(segment.Array!);
            for (int r = 0; r < rowCount; r++) outputs[0][r] = new VBuffer<float>(4, rows.Span.Slice(r * 4, 4).ToArray());
        }
    }

    private static List<Row> MakeRows(int n) =>
        Enumerable.Range(0, n).Select(i => new Row { Name = $"row{i}", Values = [i, 10 * i, 100 * i] }).ToList();

    [TestMethod]
    public void EveryRowGetsItsOwnOutputsAndPassThroughColumnsStayAligned()
    {
        var ml = new MLContext(seed: 1);
        var mapper = new SumMapper(batchSize: 4);
        var view = new BatchMappedDataView(ml.Data.LoadFromEnumerable(MakeRows(10)), mapper);
        var rows = ml.Data.CreateEnumerable<RowWithSum>(view, reuseRowObject: false).ToList();

        Assert.HasCount(10, rows);
        for (int i = 0; i < 10; i++)
        {
            Assert.AreEqual($"row{i}", rows[i].Name);
            Assert.AreEqual(111f * i, rows[i].Sum);
            CollectionAssert.AreEqual(new float[] { 2 * i, 20 * i }, rows[i].Doubled);
        }
        CollectionAssert.AreEqual(new[] { 4, 4, 2 }, mapper.BatchSizes.ToArray(), "batches of 4, then the remainder");
    }

    [TestMethod]
    public void OutputsAreNotComputedWhenNoCursorAsksForThem()
    {
        var ml = new MLContext(seed: 1);
        var mapper = new SumMapper(batchSize: 3);
        var view = new BatchMappedDataView(ml.Data.LoadFromEnumerable(MakeRows(7)), mapper);
        using (var cursor = view.GetRowCursor([view.Schema["Name"]]))
        {
            var name = cursor.GetGetter<ReadOnlyMemory<char>>(view.Schema["Name"]);
            int n = 0;
            ReadOnlyMemory<char> value = default;
            while (cursor.MoveNext()) { name(ref value); Assert.AreEqual($"row{n++}", value.ToString()); }
            Assert.AreEqual(7, n);
        }
        Assert.IsEmpty(mapper.BatchSizes);
    }

    [TestMethod]
    public void ParallelCursorsTogetherSeeEveryRowOnceWithCorrectOutputs()
    {
        var ml = new MLContext(seed: 1);
        var mapper = new SumMapper(batchSize: 5);
        var view = new BatchMappedDataView(ml.Data.LoadFromEnumerable(MakeRows(200)), mapper);
        var cursors = view.GetRowCursorSet([view.Schema["Name"], view.Schema["Sum"]], n: 3);
        var seen = new ConcurrentDictionary<string, float>();
        Parallel.ForEach(cursors, cursor =>
        {
            using (cursor)
            {
                var name = cursor.GetGetter<ReadOnlyMemory<char>>(view.Schema["Name"]);
                var sum = cursor.GetGetter<float>(view.Schema["Sum"]);
                ReadOnlyMemory<char> n = default;
                float s = 0;
                while (cursor.MoveNext())
                {
                    name(ref n);
                    sum(ref s);
                    Assert.IsTrue(seen.TryAdd(n.ToString(), s), $"{n} seen twice");
                }
            }
        });
        Assert.HasCount(200, seen);
        foreach (var (name, sum) in seen) Assert.AreEqual(111f * int.Parse(name[3..]), sum);
    }

    [TestMethod]
    public void VectorsHandedOutAreCopiesThatTheConsumerMayOverwrite()
    {
        var ml = new MLContext(seed: 1);
        var view = new BatchMappedDataView(ml.Data.LoadFromEnumerable(MakeRows(2)), new SumMapper(batchSize: 2));
        using var cursor = view.GetRowCursor(view.Schema);
        var doubled = cursor.GetGetter<VBuffer<float>>(view.Schema["Doubled"]);
        Assert.IsTrue(cursor.MoveNext());
        Assert.IsTrue(cursor.MoveNext());
        VBuffer<float> first = default;
        doubled(ref first);
        var editor = VBufferEditor.CreateFromBuffer(ref first);
        editor.Values[0] = -1; // scribble on what we were given
        VBuffer<float> again = default;
        doubled(ref again);
        CollectionAssert.AreEqual(new float[] { 2, 20 }, again.DenseValues().ToArray());
    }

    [TestMethod]
    public void ASchemaWithoutTheInputColumnIsRejectedUpFront()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new { Other = 1f } });
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new BatchMappedDataView(data, new SumMapper(2)));
    }

    [TestMethod]
    public void RowCountAndSchemaFollowTheSource()
    {
        var ml = new MLContext(seed: 1);
        var view = new BatchMappedDataView(ml.Data.LoadFromEnumerable(MakeRows(5)), new SumMapper(2));
        Assert.AreEqual(5L, view.GetRowCount());
        CollectionAssert.AreEqual(new[] { "Name", "Values", "Sum", "Doubled" }, view.Schema.Select(c => c.Name).ToArray());
    }

    [TestMethod]
    public void KnownSizeVectorsArrivePackedInOneReusedBufferWithSparseRowsDensified()
    {
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 7).Select(i => new SparseRow
        {
            Name = $"row{i}",
            // Odd rows sparse (one value at slot i % 4), even rows dense.
            Values = i % 2 == 1 ? new VBuffer<float>(4, 1, [i + 0.5f], [i % 4]) : new VBuffer<float>(4, [i, i + 1, i + 2, i + 3]),
        }).ToList();
        var mapper = new PackedMapper(batchSize: 3);
        var view = new BatchMappedDataView(ml.Data.LoadFromEnumerable(rows), mapper);
        using var cursor = view.GetRowCursor(view.Schema);
        var echo = cursor.GetGetter<VBuffer<float>>(view.Schema["Echo"]);
        var values = cursor.GetGetter<VBuffer<float>>(view.Schema["Values"]);
        VBuffer<float> e = default, v = default;
        int n = 0;
        while (cursor.MoveNext())
        {
            echo(ref e);
            values(ref v);
            var expected = rows[n].Values.DenseValues().ToArray();
            CollectionAssert.AreEqual(expected, e.DenseValues().ToArray(), $"row {n} as the mapper saw it");
            CollectionAssert.AreEqual(expected, v.DenseValues().ToArray(), $"row {n} as the cursor hands it out");
            n++;
        }
        Assert.AreEqual(7, n);
        var buffers = mapper.Buffers.ToArray();
        Assert.HasCount(3, buffers, "batches of 3, 3, 1");
        Assert.IsTrue(buffers.All(b => ReferenceEquals(b, buffers[0])), "one cursor reuses one buffer for every batch");
    }

    [TestMethod]
    public void ParallelCursorsPackIntoBuffersOfTheirOwn()
    {
        var ml = new MLContext(seed: 1);
        var mapper = new PackedMapper(batchSize: 2);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 40).Select(i => new SparseRow { Name = $"row{i}", Values = new VBuffer<float>(4, [i, -i, 2 * i, 0]) }).ToList());
        var view = new BatchMappedDataView(data, mapper);
        var cursors = view.GetRowCursorSet([view.Schema["Name"], view.Schema["Echo"]], n: 2);
        var seen = new ConcurrentDictionary<string, float[]>();
        Parallel.ForEach(cursors, cursor =>
        {
            using (cursor)
            {
                var name = cursor.GetGetter<ReadOnlyMemory<char>>(view.Schema["Name"]);
                var echo = cursor.GetGetter<VBuffer<float>>(view.Schema["Echo"]);
                ReadOnlyMemory<char> n = default;
                VBuffer<float> e = default;
                while (cursor.MoveNext())
                {
                    name(ref n);
                    echo(ref e);
                    seen[n.ToString()] = e.DenseValues().ToArray();
                }
            }
        });
        Assert.HasCount(40, seen);
        foreach (var (name, echo) in seen)
        {
            int i = int.Parse(name[3..]);
            CollectionAssert.AreEqual(new float[] { i, -i, 2 * i, 0 }, echo, name);
        }
        Assert.HasCount(cursors.Length, mapper.Buffers.Distinct(ReferenceEqualityComparer.Instance).ToList(), "one buffer per cursor");
    }
}
