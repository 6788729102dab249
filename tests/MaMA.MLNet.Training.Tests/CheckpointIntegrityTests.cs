using MaMA.MLNet.Training.Tests.Toy;

namespace MaMA.MLNet.Training.Tests;

/// <summary>
/// Damaged checkpoints are found before they are loaded: resuming from a folder falls back to the newest intact
/// checkpoint (and says which were passed over), and ends bit-identical to a run that was never damaged.
/// </summary>
[TestClass]
public sealed class CheckpointIntegrityTests
{
    private const long TotalSteps = 4;
    private const string NotCheckpointed = "frozen_table"; // see ResumeTests

    private static TrainerOptions Options(string folder) =>
        Toys.Options(TotalSteps) with { CheckpointDirectory = folder, CheckpointEvery = 1, KeepLastCheckpoints = 4 };

    /// <summary>Trains to the end with a checkpoint per step; returns the final weights.</summary>
    private static Dictionary<string, float[]> TrainWithCheckpoints(string folder)
    {
        var objective = Toys.Objective();
        new PretrainingTrainer<ToyPrepared, ToyBatch>(objective, new ToyData(), Options(folder)).Run();
        var snapshot = objective.Net.Snapshot();
        objective.Net.Dispose();
        return snapshot;
    }

    private static (TrainingResult Result, Dictionary<string, float[]> Weights) ResumeToEnd(string folder)
    {
        var objective = Toys.Objective(initSeed: 999);
        var result = new PretrainingTrainer<ToyPrepared, ToyBatch>(objective, new ToyData(), Options(folder)).Run(resumeFrom: folder);
        var snapshot = objective.Net.Snapshot();
        objective.Net.Dispose();
        return (result, snapshot);
    }

    private static void OverwriteMiddle(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = stream.Length / 2;
        stream.Write(Enumerable.Repeat((byte)0xFF, 16).ToArray());
    }

    private static void CutInHalf(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.SetLength(stream.Length / 2);
    }

    [TestMethod]
    [DataRow("overwritten", DisplayName = "16 overwritten bytes")]
    [DataRow("cut", DisplayName = "cut in half")]
    public void ADamagedNewestCheckpointFallsBackToThePreviousOne(string damage)
    {
        using var temp = new TempFolder();
        string folder = temp.Sub("ckpt");
        var expected = TrainWithCheckpoints(folder);
        var store = new CheckpointStore(folder, 4);
        string newest = store.PathOf(TotalSteps);
        if (damage == "overwritten") OverwriteMiddle(newest);
        else CutInHalf(newest);

        var (result, weights) = ResumeToEnd(folder);

        Assert.AreEqual(TrainingStopReason.Completed, result.StopReason);
        Assert.HasCount(1, result.SkippedCheckpoints);
        StringAssert.Contains(result.SkippedCheckpoints[0], newest);
        StringAssert.Contains(result.SkippedCheckpoints[0], damage == "overwritten" ? "SHA-256" : "cut short");
        // Resumed from step 3 and trained step 4 again: exactly the undamaged run's weights, no NaN.
        Toys.AssertBitIdentical(expected, weights, NotCheckpointed);
        Assert.IsNull(CheckpointFile.Verify(newest), "the rewritten newest checkpoint is intact");
    }

    [TestMethod]
    public void WhenEveryCheckpointIsDamagedResumingIsAClearErrorNamingThem()
    {
        using var temp = new TempFolder();
        string folder = temp.Sub("ckpt");
        TrainWithCheckpoints(folder);
        var store = new CheckpointStore(folder, 4);
        foreach (var (step, path) in store.List())
        {
            if (step % 2 == 0) OverwriteMiddle(path);
            else CutInHalf(path);
        }
        var trainer = new PretrainingTrainer<ToyPrepared, ToyBatch>(Toys.Objective(), new ToyData(), Options(folder));
        var error = Assert.ThrowsExactly<CheckpointFormatException>(() => trainer.Run(resumeFrom: folder));
        Assert.AreEqual(Path.GetFullPath(folder), error.Path);
        StringAssert.Contains(error.Message, "no intact checkpoint");
        foreach (var (_, path) in store.List()) StringAssert.Contains(error.Message, Path.GetFileName(path));
    }

    [TestMethod]
    public void ADamagedCheckpointNamedDirectlyIsAnErrorNotAFallback()
    {
        using var temp = new TempFolder();
        string folder = temp.Sub("ckpt");
        TrainWithCheckpoints(folder);
        string newest = new CheckpointStore(folder, 4).PathOf(TotalSteps);
        OverwriteMiddle(newest);
        var trainer = new PretrainingTrainer<ToyPrepared, ToyBatch>(Toys.Objective(), new ToyData(), Options(folder));
        var error = Assert.ThrowsExactly<CheckpointFormatException>(() => trainer.Run(resumeFrom: newest));
        Assert.AreEqual(newest, error.Path);
        StringAssert.Contains(error.Message, "SHA-256");
    }

    [TestMethod]
    public void TemporaryFilesOfAKilledWriteAreRemovedAndOthersKept()
    {
        using var temp = new TempFolder();
        string folder = temp.Sub("ckpt");
        TrainWithCheckpoints(folder);
        string leftover = Path.Combine(folder, $".step-00000005.ckpt.{Guid.NewGuid():N}.tmp");
        string leftoverPointer = Path.Combine(folder, $".best.json.{Guid.NewGuid():N}.tmp");
        string foreign = Path.Combine(folder, ".someone-else.tmp");
        foreach (string path in new[] { leftover, leftoverPointer, foreign }) File.WriteAllBytes(path, new byte[100]);

        var (result, _) = ResumeToEnd(folder);

        Assert.IsEmpty(result.SkippedCheckpoints);
        Assert.IsFalse(File.Exists(leftover));
        Assert.IsFalse(File.Exists(leftoverPointer));
        Assert.IsTrue(File.Exists(foreign), "a file that is not ours was deleted");
    }
}
