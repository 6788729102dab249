using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Embeddings;
using MaMA.MLNet.Evaluation;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.Tests.Embeddings;

[TestClass]
public sealed class EmbeddingTableTests
{
    private static string NewFolder() => Directory.CreateTempSubdirectory("mama-embtable-").FullName;

    private static EmbeddingRow Row(int i, int width = 3) => new()
    {
        Path = $"/data/img {i},\"x\".dcm", StudyId = "s" + (i / 2), PatientId = "p" + (i / 4),
        View = i % 2 == 0 ? "CC" : null, Laterality = i % 3 == 0 ? "L" : null,
        Embedding = Enumerable.Range(0, width).Select(j => i + j / 8f).ToArray(),
    };

    private static EmbeddingTableWriterOptions Options(int width = 3, ManifestShard? shard = null) =>
        new() { EmbeddingSize = width, RowGroupSize = 2, RowsPerFile = 5, Shard = shard ?? ManifestShard.All };

    private static void AssertSameRows(IReadOnlyList<EmbeddingRow> expected, IReadOnlyList<EmbeddingRow> actual)
    {
        Assert.HasCount(expected.Count, actual);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.AreEqual(expected[i] with { Embedding = [] }, actual[i] with { Embedding = [] }, $"row {i}");
            CollectionAssert.AreEqual(expected[i].Embedding, actual[i].Embedding, $"row {i}");
        }
    }

    [TestMethod]
    [DataRow(EmbeddingTableFormat.Parquet)]
    [DataRow(EmbeddingTableFormat.Csv)]
    public void RowsWrittenInBatchesReadBackExactly(EmbeddingTableFormat format)
    {
        string dir = NewFolder();
        string path = Path.Combine(dir, format == EmbeddingTableFormat.Csv ? "e.csv" : "e.parquet");
        var rows = Enumerable.Range(0, 12).Select(i => Row(i)).ToList();
        using (var writer = EmbeddingTableWriter.Open(path, format, Options()))
        {
            Assert.IsEmpty(writer.StoredPaths);
            foreach (var batch in rows.Chunk(3)) writer.Append(batch);
            writer.Complete();
        }
        AssertSameRows(rows, EmbeddingTableReader.Read(path).ToList());
        Assert.AreEqual(3, EmbeddingTableReader.EmbeddingSize(path));
        if (format == EmbeddingTableFormat.Parquet)
            Assert.HasCount(3, Directory.GetFiles(path), "12 rows at 5 per part file");
    }

    [TestMethod]
    public void AWriterDisposedUnfinishedKeepsCompletePartsOnlyAndTheResumeSkipsThem()
    {
        string path = Path.Combine(NewFolder(), "e.parquet");
        var rows = Enumerable.Range(0, 12).Select(i => Row(i)).ToList();
        using (var writer = EmbeddingTableWriter.Open(path, EmbeddingTableFormat.Parquet, Options()))
            writer.Append(rows.Take(7).ToList()); // one part of 5 complete, 2 rows in the open part: dropped
        Assert.IsEmpty(Directory.GetFiles(path, ".*"), "no temporary file is left by a disposed writer");
        AssertSameRows(rows.Take(5).ToList(), EmbeddingTableReader.Read(path).ToList());

        using (var writer = EmbeddingTableWriter.Open(path, EmbeddingTableFormat.Parquet, Options()))
        {
            CollectionAssert.AreEquivalent(rows.Take(5).Select(r => r.Path).ToList(), writer.StoredPaths.ToList());
            writer.Append(rows.Where(r => !writer.StoredPaths.Contains(r.Path)).ToList());
            writer.Complete();
        }
        AssertSameRows(rows, EmbeddingTableReader.Read(path).ToList());
    }

    [TestMethod]
    public void AStaleTemporaryPartOfTheShardIsDeletedAndNeverRead()
    {
        string path = Path.Combine(NewFolder(), "e.parquet");
        Directory.CreateDirectory(path);
        // What a killed run leaves: a hidden part without its footer.
        string stale = Path.Combine(path, ".part-00000-of-00001-00000.parquet.tmp");
        File.WriteAllBytes(stale, [(byte)'P', (byte)'A', (byte)'R', (byte)'1', 1, 2, 3]);
        using (var writer = EmbeddingTableWriter.Open(path, EmbeddingTableFormat.Parquet, Options()))
        {
            Assert.IsEmpty(writer.StoredPaths);
            writer.Append([Row(0)]);
            writer.Complete();
        }
        Assert.IsFalse(File.Exists(stale));
        AssertSameRows([Row(0)], EmbeddingTableReader.Read(path).ToList());
    }

    [TestMethod]
    public void ACsvLineCutByAKilledRunIsDroppedOnResume()
    {
        string path = Path.Combine(NewFolder(), "e.csv");
        using (var writer = EmbeddingTableWriter.Open(path, EmbeddingTableFormat.Csv, Options()))
            writer.Append([Row(0), Row(1)]);
        File.AppendAllText(path, "/data/cut.dcm,s9,p9,CC,L,0.5,0."); // no line break: the run died here
        using (var writer = EmbeddingTableWriter.Open(path, EmbeddingTableFormat.Csv, Options()))
        {
            CollectionAssert.AreEquivalent(new[] { Row(0).Path, Row(1).Path }, writer.StoredPaths.ToList());
            writer.Append([Row(2)]);
            writer.Complete();
        }
        AssertSameRows([Row(0), Row(1), Row(2)], EmbeddingTableReader.Read(path).ToList());
    }

    [TestMethod]
    public void ShardsWriteTheirOwnPartsAndAFolderReadsAsOneTable()
    {
        string path = Path.Combine(NewFolder(), "e.parquet");
        var rows = Enumerable.Range(0, 9).Select(i => Row(i)).ToList();
        for (int k = 0; k < 3; k++)
        {
            using var writer = EmbeddingTableWriter.Open(path, EmbeddingTableFormat.Parquet, Options(shard: new ManifestShard(k, 3)));
            writer.Append(rows.Skip(3 * k).Take(3).ToList());
            writer.Complete();
        }
        CollectionAssert.AreEqual(new[] { "part-00000-of-00003-00000.parquet", "part-00001-of-00003-00000.parquet", "part-00002-of-00003-00000.parquet" },
            Directory.GetFiles(path).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray());
        AssertSameRows(rows, EmbeddingTableReader.Read(path).ToList());
    }

    [TestMethod]
    public void AnotherWidthOrAForeignFileIsRefusedNamingTheFile()
    {
        string path = Path.Combine(NewFolder(), "e.parquet");
        using (var writer = EmbeddingTableWriter.Open(path, EmbeddingTableFormat.Parquet, Options()))
        {
            writer.Append([Row(0)]);
            writer.Complete();
            Assert.Throws<ArgumentException>(() => writer.Append([Row(1, width: 4)]));
        }
        var wider = Assert.Throws<EmbeddingTableException>(() => EmbeddingTableWriter.Open(path, EmbeddingTableFormat.Parquet, Options(width: 4)));
        StringAssert.Contains(wider.Message, "part-00000-of-00001-00000.parquet");
        string foreign = Path.Combine(path, "zz-foreign.parquet");
        File.WriteAllText(foreign, "not parquet at all");
        var bad = Assert.Throws<EmbeddingTableException>(() => EmbeddingTableReader.Read(path).ToList());
        StringAssert.Contains(bad.Message, "zz-foreign.parquet");
        string csv = Path.Combine(Path.GetDirectoryName(path)!, "other.csv");
        File.WriteAllText(csv, "a,b,c\n1,2,3\n");
        Assert.Throws<EmbeddingTableException>(() => EmbeddingTableWriter.Open(csv, EmbeddingTableFormat.Csv, Options()));
        Assert.Throws<EmbeddingTableException>(() => EmbeddingTableReader.Read(Path.Combine(path, "missing")).ToList());
    }

    private sealed class Loaded
    {
        public string Path { get; set; } = "";
        public string StudyId { get; set; } = "";
        public string View { get; set; } = "";
        public float[] Embedding { get; set; } = [];
    }

    [TestMethod]
    public void LoadMaMAEmbeddingsGivesAnIDataViewWithAKnownSizeVector()
    {
        string path = Path.Combine(NewFolder(), "e.parquet");
        var rows = Enumerable.Range(0, 7).Select(i => Row(i)).ToList();
        using (var writer = EmbeddingTableWriter.Open(path, EmbeddingTableFormat.Parquet, Options()))
        {
            writer.Append(rows);
            writer.Complete();
        }
        var ml = new MLContext(seed: 1);
        var view = ml.Data.LoadMaMAEmbeddings(path);
        var type = view.Schema[EmbeddingTableCatalog.Columns.Embedding].Type as VectorDataViewType;
        Assert.IsNotNull(type);
        Assert.AreEqual(3, type.Size);
        var back = ml.Data.CreateEnumerable<Loaded>(view, reuseRowObject: false).ToList();
        Assert.HasCount(7, back);
        for (int i = 0; i < 7; i++)
        {
            Assert.AreEqual(rows[i].Path, back[i].Path);
            Assert.AreEqual(rows[i].StudyId, back[i].StudyId);
            Assert.AreEqual(rows[i].View ?? "", back[i].View);
            CollectionAssert.AreEqual(rows[i].Embedding, back[i].Embedding);
        }
        // A second cursor reads the files again and sees the same rows.
        Assert.HasCount(7, ml.Data.CreateEnumerable<Loaded>(view, reuseRowObject: false).ToList());
    }

    [TestMethod]
    public void TrainerComparisonTrainsOnStoredEmbeddingsJoinedWithManifestLabels()
    {
        // Two density classes whose stored embeddings are separable along the first value.
        var random = new Random(3);
        var records = Enumerable.Range(0, 80).Select(i => new MammogramRecord
        {
            ImagePath = $"/d/{i}.dcm", StudyId = "s" + i, PatientId = "p" + (i / 2), Density = i % 2 == 0 ? 1 : 4,
        }).Append(new MammogramRecord { ImagePath = "/d/unlabelled.dcm", StudyId = "u", PatientId = "u" }).ToList();
        string path = Path.Combine(NewFolder(), "e.parquet");
        using (var writer = EmbeddingTableWriter.Open(path, EmbeddingTableFormat.Parquet, new EmbeddingTableWriterOptions { EmbeddingSize = 4 }))
        {
            writer.Append(records.Select(r => new EmbeddingRow
            {
                Path = r.ImagePath, StudyId = r.StudyId, PatientId = r.PatientId,
                Embedding = [(r.Density == 4 ? 2f : -2f) + (float)random.NextDouble(), (float)random.NextDouble(), (float)random.NextDouble(), (float)random.NextDouble()],
            }).ToList());
            writer.Complete();
        }
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadMaMAEmbeddings(path, records, ZeroShotTask.Density);
        var labels = data.GetColumn<int>(EmbeddingTableCatalog.Columns.Label).ToList();
        Assert.HasCount(80, labels, "the unlabelled image is left out");
        CollectionAssert.AreEquivalent(new[] { 0, 3 }, labels.Distinct().ToArray());
        var results = TrainerComparison.Run(ml, data, EmbeddingTableCatalog.Columns.Label, EmbeddingTableCatalog.Columns.Embedding, folds: 2,
            candidates: [TrainerComparison.DefaultCandidates[0]], samplingKeyColumnName: EmbeddingTableCatalog.Columns.PatientId);
        Assert.IsGreaterThan(0.9, results[0].BalancedAccuracy);
    }
}
