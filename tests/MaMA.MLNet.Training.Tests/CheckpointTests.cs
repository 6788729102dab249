using MaMA.MLNet.Training.Tests.Toy;

namespace MaMA.MLNet.Training.Tests;

[TestClass]
public sealed class CheckpointTests
{
    [TestMethod]
    public void OnlyTheLastKAndTheBestAreKeptAndNoTemporaryFileRemains()
    {
        using var temp = new TempFolder();
        string folder = temp.Sub("ckpt");
        // Validation loss by step: the best (lowest) is at step 2, then worse.
        double[] lossByStep = [0, 5, 1, 3, 4, 2.5, 6];
        var result = new PretrainingTrainer<ToyPrepared, ToyBatch>(Toys.Objective(), new ToyData(),
            Toys.Options(6) with
            {
                CheckpointDirectory = folder, CheckpointEvery = 1, KeepLastCheckpoints = 2, ValidateEvery = 1, BestMetric = "val_loss",
            },
            validate: c => new Dictionary<string, double> { ["val_loss"] = lossByStep[c.Step] }).Run();

        var store = new CheckpointStore(folder, 2);
        CollectionAssert.AreEqual(new long[] { 2, 5, 6 }, store.List().Select(c => c.Step).ToArray());
        Assert.AreEqual(store.PathOf(2), result.BestCheckpoint);
        Assert.AreEqual(store.PathOf(6), result.LastCheckpoint);
        CollectionAssert.AreEquivalent(
            new[] { "best.json", "step-00000002.ckpt", "step-00000002.json", "step-00000005.ckpt", "step-00000005.json", "step-00000006.ckpt", "step-00000006.json" },
            Directory.GetFiles(folder).Select(Path.GetFileName).ToArray());
    }

    [TestMethod]
    public void TheSidecarHoldsStepOptionsLossesAndValidation()
    {
        using var temp = new TempFolder();
        string folder = temp.Sub("ckpt");
        new PretrainingTrainer<ToyPrepared, ToyBatch>(Toys.Objective(), new ToyData(),
            Toys.Options(2) with { CheckpointDirectory = folder, ValidateEvery = 2 },
            validate: _ => new Dictionary<string, double> { ["top1"] = 0.25 }).Run();
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "step-00000002.json")));
        var root = doc.RootElement;
        Assert.AreEqual(2, root.GetProperty("step").GetInt64());
        Assert.AreEqual(4, root.GetProperty("options").GetProperty("MicroBatchSize").GetInt32());
        Assert.AreEqual("Float32", root.GetProperty("options").GetProperty("Precision").GetString());
        Assert.IsTrue(root.GetProperty("losses").TryGetProperty("mse", out _));
        Assert.AreEqual(0.25, root.GetProperty("validation").GetProperty("top1").GetDouble(), 1e-12);
    }

    [TestMethod]
    public void AtomicWriteLeavesTheOldFileWhenWritingFails()
    {
        using var temp = new TempFolder();
        string path = temp.Sub("file.bin");
        AtomicFile.WriteText(path, "old");
        Assert.ThrowsExactly<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.WriteByte(1);
            throw new InvalidOperationException("disk full");
        }));
        Assert.AreEqual("old", File.ReadAllText(path));
        CollectionAssert.AreEqual(new[] { "file.bin" }, Directory.GetFiles(temp.Path).Select(Path.GetFileName).ToArray());
    }

    [TestMethod]
    public void ACutCheckpointIsAClearError()
    {
        using var temp = new TempFolder();
        string folder = temp.Sub("ckpt");
        var result = new PretrainingTrainer<ToyPrepared, ToyBatch>(Toys.Objective(), new ToyData(),
            Toys.Options(1) with { CheckpointDirectory = folder }).Run();
        string cut = temp.Sub("cut.ckpt");
        var bytes = File.ReadAllBytes(result.LastCheckpoint!);
        File.WriteAllBytes(cut, bytes[..(bytes.Length - 40)]);

        var trainer = new PretrainingTrainer<ToyPrepared, ToyBatch>(Toys.Objective(), new ToyData(), Toys.Options(1));
        var error = Assert.ThrowsExactly<CheckpointFormatException>(() => trainer.Run(resumeFrom: cut));
        Assert.AreEqual(cut, error.Path);
    }

    [TestMethod]
    public void AFileThatIsNoCheckpointIsAClearError()
    {
        using var temp = new TempFolder();
        string path = temp.Sub("notes.ckpt");
        File.WriteAllText(path, "hello");
        var trainer = new PretrainingTrainer<ToyPrepared, ToyBatch>(Toys.Objective(), new ToyData(), Toys.Options(1));
        var error = Assert.ThrowsExactly<CheckpointFormatException>(() => trainer.Run(resumeFrom: path));
        StringAssert.Contains(error.Message, "notes.ckpt");
    }

    [TestMethod]
    public void ACheckpointOfAnotherModelIsRefused()
    {
        using var temp = new TempFolder();
        string folder = temp.Sub("ckpt");
        new PretrainingTrainer<ToyPrepared, ToyBatch>(Toys.Objective(), new ToyData(), Toys.Options(1) with { CheckpointDirectory = folder }).Run();
        // The same model with weight decay on everything has other optimiser groups.
        var trainer = new PretrainingTrainer<ToyPrepared, ToyBatch>(Toys.Objective(), new ToyData(),
            Toys.Options(1) with { WeightDecayMode = WeightDecayMode.All });
        var error = Assert.ThrowsExactly<CheckpointFormatException>(() => trainer.Run(resumeFrom: folder));
        StringAssert.Contains(error.Message, "optimiser group");
    }
}
