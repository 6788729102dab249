using System.Diagnostics;
using MaMA.MLNet.Cli.Commands;
using MaMA.MLNet.Embeddings;

namespace MaMA.MLNet.Cli.Tests;

/// <summary>
/// <c>mama embed</c> as a cluster job runs it: shards as separate processes (<c>dotnet mama.dll</c>), the index from
/// the scheduler's environment, and a process killed half-way (SIGKILL after a set number of rows, through the
/// test-only <see cref="EmbedCommand.KillAfterRowsVariable"/>) and run again.
/// </summary>
[TestClass]
public sealed class EmbedShardResumeTests
{
    private static readonly Lazy<(string Dir, string Manifest, IReadOnlyList<EmbeddingRow> Reference)> State = new(Create);

    // Eight studies (32 images): enough that all three shards get studies.
    private static (string, string, IReadOnlyList<EmbeddingRow>) Create()
    {
        string dir = Directory.CreateTempSubdirectory("mama-embed-shards-").FullName;
        var synth = CliFixture.Capture(new SynthCommand(), "synth", "--out", Path.Combine(dir, "data"), "--studies", "8", "--size", "64x80", "--seed", "9");
        Assert.AreEqual(ExitCodes.Success, synth.Code, synth.Output);
        string manifest = Path.Combine(dir, "data", "manifest.csv");
        string reference = Path.Combine(dir, "unsharded.parquet");
        var (code, _, stderr) = Run(new Dictionary<string, string>(), "--out", reference, "--manifest", manifest);
        Assert.AreEqual(ExitCodes.Success, code, stderr);
        return (dir, manifest, EmbeddingTableReader.Read(reference).ToList());
    }

    private static (int Code, string Stdout, string Stderr) Run(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        string mama = Path.Combine(AppContext.BaseDirectory, "mama.dll");
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { mama, "embed", "--model", CliFixture.Model, "--batch-size", "2" }.Concat(args)) start.ArgumentList.Add(a);
        // A scheduler's variables from the test's own environment must not leak into the child.
        foreach (string v in new[] { ManifestShard.KubernetesIndexVariable, ManifestShard.SlurmTaskIdVariable, ManifestShard.SlurmTaskMinVariable, EmbedCommand.KillAfterRowsVariable })
            start.Environment.Remove(v);
        foreach (var (k, v) in environment) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }

    private static void AssertSameTable(IReadOnlyList<EmbeddingRow> expected, IReadOnlyList<EmbeddingRow> actual)
    {
        Assert.HasCount(expected.Count, actual);
        Assert.HasCount(actual.Count, actual.Select(r => r.Path).Distinct().ToList(), "every image once");
        var byPath = actual.ToDictionary(r => r.Path);
        foreach (var row in expected)
        {
            Assert.IsTrue(byPath.TryGetValue(row.Path, out var got), row.Path);
            Assert.AreEqual(row with { Embedding = [] }, got with { Embedding = [] });
            // Batches hold other images in another run; the encoder's arithmetic per image is the same up to rounding.
            for (int j = 0; j < row.Embedding.Length; j++) Assert.AreEqual(row.Embedding[j], got.Embedding[j], 1e-5f, $"{row.Path}[{j}]");
        }
    }

    [TestMethod]
    public void ThreeShardsAsThreeProcessesGiveExactlyTheRowsOfOneUnshardedRun()
    {
        var (dir, manifest, reference) = State.Value;
        Assert.AreEqual(32, reference.Count, "8 studies of 4 views");
        string sharded = Path.Combine(dir, "sharded-" + Guid.NewGuid().ToString("N")[..6] + ".parquet");
        // Shard 0 named on the command line, shard 1 by a Kubernetes Indexed Job, shard 2 by a Slurm array counted from 1.
        var runs = new[]
        {
            Run(new Dictionary<string, string>(), "--out", sharded, "--manifest", manifest, "--shard", "0/3"),
            Run(new Dictionary<string, string> { [ManifestShard.KubernetesIndexVariable] = "1" }, "--out", sharded, "--manifest", manifest, "--shard-count", "3"),
            Run(new Dictionary<string, string> { [ManifestShard.SlurmTaskIdVariable] = "3", [ManifestShard.SlurmTaskMinVariable] = "1" }, "--out", sharded, "--manifest", manifest, "--shard-count", "3"),
        };
        foreach (var run in runs) Assert.AreEqual(ExitCodes.Success, run.Code, run.Stderr);
        AssertSameTable(reference, EmbeddingTableReader.Read(sharded).ToList());
        // Each shard wrote its own file, and a study's images are all in one shard's file.
        var files = Directory.GetFiles(sharded).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        CollectionAssert.AreEqual(new[] { "part-00000-of-00003-00000.parquet", "part-00001-of-00003-00000.parquet", "part-00002-of-00003-00000.parquet" }, files);
        var studyFiles = Directory.GetFiles(sharded).SelectMany(f => EmbeddingTableReader.Read(f).Select(r => (r.StudyId, f))).Distinct().GroupBy(x => x.StudyId);
        foreach (var study in studyFiles) Assert.AreEqual(1, study.Count(), $"study {study.Key} is split across shards");
    }

    [TestMethod]
    [DataRow("parquet")]
    [DataRow("csv")]
    public void AShardKilledHalfWayAndRunAgainEndsWithEveryImageOnce(string format)
    {
        var (dir, manifest, reference) = State.Value;
        string output = Path.Combine(dir, "killed-" + Guid.NewGuid().ToString("N")[..6] + "." + format);
        var kill = new Dictionary<string, string> { [EmbedCommand.KillAfterRowsVariable] = "5" };
        string[] args = ["--out", output, "--manifest", manifest, "--row-group-size", "2", "--rows-per-file", "4"];
        var killed = Run(kill, args);
        Assert.AreNotEqual(ExitCodes.Success, killed.Code, "the process was killed");
        var survived = EmbeddingTableReader.Read(output).ToList();
        if (format == "parquet")
        {
            // Rows 1-4 are a published part; rows 5-6 were in the temporary part the kill cut (no footer).
            Assert.HasCount(4, survived);
            Assert.HasCount(1, Directory.GetFiles(output, ".*.tmp"), "the cut part is there, hidden");
        }
        else
            Assert.HasCount(6, survived, "CSV lines are flushed a batch at a time");

        var resumed = Run(new Dictionary<string, string>(), args);
        Assert.AreEqual(ExitCodes.Success, resumed.Code, resumed.Stderr);
        StringAssert.Contains(resumed.Stdout, $"{survived.Count} already there");
        AssertSameTable(reference, EmbeddingTableReader.Read(output).ToList());
        if (format == "parquet") Assert.IsEmpty(Directory.GetFiles(output, ".*"), "the cut part was removed");
    }

    [TestMethod]
    public void TheOnnxBackendWritesTheTorchSharpEmbeddings()
    {
        var (dir, manifest, reference) = State.Value;
        string output = Path.Combine(dir, "onnx-" + Guid.NewGuid().ToString("N")[..6] + ".csv");
        var (code, stdout, stderr) = Run(new Dictionary<string, string>(), "--out", output, "--manifest", manifest, "--backend", "onnx");
        Assert.AreEqual(ExitCodes.Success, code, stderr);
        StringAssert.Contains(stdout, "ONNX Runtime on CPU");
        AssertSameTable(reference, EmbeddingTableReader.Read(output).ToList());
    }

    [TestMethod]
    public void BadShardsAndFormatsAreUsageErrors()
    {
        var (_, manifest, _) = State.Value;
        Assert.AreEqual(ExitCodes.Usage, Run(new Dictionary<string, string>(), "--out", "x.parquet", "--manifest", manifest, "--shard", "3/3").Code);
        Assert.AreEqual(ExitCodes.Usage, Run(new Dictionary<string, string>(), "--out", "x.parquet", "--manifest", manifest, "--shard-count", "3").Code);
        Assert.AreEqual(ExitCodes.Usage, Run(new Dictionary<string, string>(), "--out", "x.parquet", "--manifest", manifest, "--format", "xlsx").Code);
        Assert.AreEqual(ExitCodes.Usage, Run(new Dictionary<string, string>(), "--out", "x.parquet", "--manifest", manifest, "--backend", "tpu").Code);
    }
}
