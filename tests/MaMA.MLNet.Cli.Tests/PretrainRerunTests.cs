using MaMA.MLNet.Cli.Commands;

namespace MaMA.MLNet.Cli.Tests;

/// <summary>
/// <c>mama pretrain</c> run again into the same <c>--out</c>: refused unless --resume (same run only) or --overwrite;
/// a resumed run's log has each step once; two processes cannot train into one folder, and a crashed run's lock file
/// does not block the next.
/// </summary>
[TestClass]
public sealed class PretrainRerunTests
{
    private static string[] Pretrain(string output, params string[] more) =>
        ["pretrain", "--manifest", CliFixture.Manifest, "--out", output, "--batch-size", "4", "--late-start", "1", "--warmup", "0", .. more];

    private static long[] LoggedSteps(string output) =>
        File.ReadAllLines(Path.Combine(output, "training-log.jsonl"))
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("type").GetString() == "train")
            .Select(e => e.GetProperty("step").GetInt64()).ToArray();

    [TestMethod]
    public void ANonEmptyOutIsRefusedUnlessResumeOfTheSameRunOrOverwrite()
    {
        string output = Path.Combine(CliFixture.Directory, "rerun-" + Guid.NewGuid().ToString("N")[..8]);
        var first = CliProcess.Run(Pretrain(output, "--steps", "2"));
        Assert.AreEqual(ExitCodes.Success, first.Code, first.Describe());

        var again = CliProcess.Run(Pretrain(output, "--steps", "2"));
        Assert.AreEqual(ExitCodes.Usage, again.Code, again.Describe());
        StringAssert.Contains(again.Error, "is not empty");
        StringAssert.Contains(again.Error, "--resume");
        StringAssert.Contains(again.Error, "--overwrite");

        var otherSeed = CliProcess.Run(Pretrain(output, "--steps", "3", "--resume", "--seed", "7"));
        Assert.AreEqual(ExitCodes.BadInput, otherSeed.Code, otherSeed.Describe());
        StringAssert.Contains(otherSeed.Error, "belong to another run: its seed was 42, this run's is 7");

        var otherSize = CliProcess.Run(Pretrain(output, "--steps", "3", "--resume", "--image-size", "56"));
        Assert.AreEqual(ExitCodes.BadInput, otherSize.Code, otherSize.Describe());
        StringAssert.Contains(otherSize.Error, "its config was");

        var overwrite = CliProcess.Run(Pretrain(output, "--steps", "1", "--overwrite"));
        Assert.AreEqual(ExitCodes.Success, overwrite.Code, overwrite.Describe());
        CollectionAssert.AreEqual(new long[] { 1 }, LoggedSteps(output), "the old run's log is gone");
    }

    [TestMethod]
    public void AResumedRunLogsEachStepOnce()
    {
        string output = Path.Combine(CliFixture.Directory, "resume-" + Guid.NewGuid().ToString("N")[..8]);
        var first = CliProcess.Run(Pretrain(output, "--steps", "4"));
        Assert.AreEqual(ExitCodes.Success, first.Code, first.Describe());
        CollectionAssert.AreEqual(new long[] { 1, 2, 3, 4 }, LoggedSteps(output));
        // As after a crash between checkpoints: the log is ahead of the newest checkpoint left.
        var checkpoints = Directory.GetFiles(Path.Combine(output, "checkpoints"), "*.ckpt").Order(StringComparer.Ordinal).ToList();
        Assert.IsGreaterThanOrEqualTo(2, checkpoints.Count, string.Join(", ", checkpoints));
        foreach (string newer in checkpoints.Skip(1)) File.Delete(newer);

        var resumed = CliProcess.Run(Pretrain(output, "--steps", "4", "--resume"));
        Assert.AreEqual(ExitCodes.Success, resumed.Code, resumed.Describe());
        CollectionAssert.AreEqual(new long[] { 1, 2, 3, 4 }, LoggedSteps(output));
    }

    [TestMethod]
    public void TwoRunsCannotShareAnOutFolderButAStaleLockDoesNotStick()
    {
        string output = Path.Combine(CliFixture.Directory, "lock-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(output);
        string lockFile = Path.Combine(output, PretrainRunFolder.LockFile);
        using (var held = new FileStream(lockFile, FileMode.Create, FileAccess.ReadWrite, FileShare.None))
        {
            var blocked = CliProcess.Run(Pretrain(output, "--steps", "1"));
            Assert.AreEqual(ExitCodes.BadInput, blocked.Code, blocked.Describe());
            StringAssert.Contains(blocked.Error, "another mama pretrain is training into this folder");
        }
        // What a killed run leaves: the file, but no process holding it.
        File.WriteAllText(lockFile, "pid 999999, started 2020-01-01T00:00:00Z");
        var run = CliProcess.Run(Pretrain(output, "--steps", "1"));
        Assert.AreEqual(ExitCodes.Success, run.Code, run.Describe());
        Assert.IsFalse(File.Exists(lockFile), "the lock goes with the run");
    }

    [TestMethod]
    public void FewerImagesThanABatchLowerTheBatchSize()
    {
        string output = Path.Combine(CliFixture.Directory, "batch-" + Guid.NewGuid().ToString("N")[..8]);
        var run = CliProcess.Run("pretrain", "--manifest", CliFixture.Manifest, "--out", output, "--steps", "1", "--batch-size", "500");
        Assert.AreEqual(ExitCodes.Success, run.Code, run.Describe());
        StringAssert.Contains(run.Error, "--batch-size 500 is more than the");
    }
}
