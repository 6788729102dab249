using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Embeddings;

namespace MaMA.MLNet.Tests.Embeddings;

[TestClass]
public sealed class ManifestShardTests
{
    private static MammogramRecord Record(string study, string view) =>
        new() { ImagePath = $"{study}-{view}.dcm", PatientId = "p-" + study, StudyId = study, View = view };

    [TestMethod]
    public void TheShardIsXxHash64OfTheUtf8StudyIdModuloN()
    {
        // Reference values of XXH64 with seed 0 from the xxHash specification's test vectors:
        // XXH64("") = 0xEF46DB3751D8E999, XXH64("abc") = 0x44BC2CF5AD770999.
        Assert.AreEqual((int)(0xEF46DB3751D8E999UL % 7), ManifestShard.Of("", 7));
        Assert.AreEqual((int)(0x44BC2CF5AD770999UL % 7), ManifestShard.Of("abc", 7));
        Assert.AreEqual((int)(0x44BC2CF5AD770999UL % 1000), ManifestShard.Of("abc", 1000));
    }

    [TestMethod]
    public void ShardsPartitionTheManifestAndKeepEachStudyTogether()
    {
        var records = Enumerable.Range(0, 60).SelectMany(s => new[] { "CC", "MLO" }.Select(v => Record("acc" + s, v))).ToList();
        var shards = Enumerable.Range(0, 3).Select(k => new ManifestShard(k, 3).Select(records)).ToList();
        Assert.AreEqual(records.Count, shards.Sum(s => s.Count), "every record in exactly one shard");
        CollectionAssert.AreEquivalent(records, shards.SelectMany(s => s).ToList());
        foreach (var shard in shards)
        {
            Assert.IsGreaterThan(0, shard.Count, "60 studies fill all three shards");
            foreach (var study in shard.GroupBy(r => r.StudyId)) Assert.AreEqual(2, study.Count(), $"both views of {study.Key} in one shard");
        }
        Assert.HasCount(records.Count, ManifestShard.All.Select(records));
    }

    [TestMethod]
    public void ParseTakesKOverNOrTheSchedulersIndex()
    {
        static string? None(string _) => null;
        Assert.AreEqual(new ManifestShard(2, 5), ManifestShard.Parse("2/5", null, None));
        Assert.AreEqual(new ManifestShard(2, 5), ManifestShard.Parse("2", "5", None));
        Assert.AreEqual(ManifestShard.All, ManifestShard.Parse(null, null, None));
        var k8s = new Dictionary<string, string> { [ManifestShard.KubernetesIndexVariable] = "3" };
        Assert.AreEqual(new ManifestShard(3, 4), ManifestShard.Parse(null, "4", k => k8s.GetValueOrDefault(k)));
        // Slurm arrays may start at 1 (--array=1-4): the task id minus the array's minimum is the index.
        var slurm = new Dictionary<string, string> { [ManifestShard.SlurmTaskIdVariable] = "4", [ManifestShard.SlurmTaskMinVariable] = "1" };
        Assert.AreEqual(new ManifestShard(3, 4), ManifestShard.Parse(null, "4", k => slurm.GetValueOrDefault(k)));
    }

    [TestMethod]
    public void ParseRefusesMalformedOrOutOfRangeShards()
    {
        static string? None(string _) => null;
        Assert.Throws<FormatException>(() => ManifestShard.Parse("3/3", null, None));
        Assert.Throws<FormatException>(() => ManifestShard.Parse("-1/3", null, None));
        Assert.Throws<FormatException>(() => ManifestShard.Parse("a/3", null, None));
        Assert.Throws<FormatException>(() => ManifestShard.Parse("1", null, None));
        Assert.Throws<FormatException>(() => ManifestShard.Parse("1/3", "4", None));
        Assert.Throws<FormatException>(() => ManifestShard.Parse(null, "0", k => "0"));
        var ex = Assert.Throws<FormatException>(() => ManifestShard.Parse(null, "3", None));
        StringAssert.Contains(ex.Message, ManifestShard.KubernetesIndexVariable);
    }
}
