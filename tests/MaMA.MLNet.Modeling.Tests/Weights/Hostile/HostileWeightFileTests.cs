using System.IO.Compression;
using MaMA.MLNet.Modeling.Weights;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.Weights.Hostile;

/// <summary>
/// Model files of a few kilobytes that used to crash the process, spin for ever or allocate gigabytes; each now
/// fails with a <see cref="WeightLoadException"/> that names the file, before the memory is taken.
/// </summary>
[TestClass]
public sealed class HostileWeightFileTests
{
    private static string TempFile(string name) => Path.Combine(Path.GetTempPath(), $"mama-hostile-{Guid.NewGuid():N}-{name}");

    private static WeightLoadException OpenFails(string path, out long allocated)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.ThrowsExactly<WeightLoadException>(() => NamedTensorSource.Open(path).Dispose());
        allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        StringAssert.Contains(error.Message, path);
        return error;
    }

    [TestMethod]
    public void DeeplyNestedDictionariesFailInsteadOfOverflowingTheStack()
    {
        // 160,000 dictionaries, each the only value of its parent: about 800 KB. Before: a stack overflow killed the process.
        const int depth = 160_000;
        var pickle = new PickleBytes();
        for (int i = 0; i < depth; i++) pickle.EmptyDict().String("a");
        pickle.EmptyDict();
        for (int i = 0; i < depth; i++) pickle.SetItem();
        string path = TempFile("nested.pth");
        try
        {
            PickleBytes.WriteZip(path, pickle.Stop().ToArray());
            var error = OpenFails(path, out _);
            StringAssert.Contains(error.Message, "nest deeper than");
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void AChildSharedThroughTheMemoIsNotWalkedExponentially()
    {
        // d0 = {}, d(k) = {"a": d(k-1), "b": d(k-1)}: 40 small dictionaries, 2^40 paths. Before: flattening never ended.
        var pickle = new PickleBytes().EmptyDict().Put(0);
        for (uint k = 1; k <= 40; k++)
            pickle.EmptyDict().Mark().String("a").Get(k - 1).String("b").Get(k - 1).SetItems().Put(k);
        var bytes = pickle.Stop().ToArray();
        Assert.IsLessThan(2048, bytes.Length);
        string path = TempFile("shared.pth");
        try
        {
            PickleBytes.WriteZip(path, bytes);
            StringAssert.Contains(OpenFails(path, out _).Message, "walks more than");
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void AStorageLargerThanItsTensorIsRefusedBeforeItIsRead()
    {
        // A [4] float tensor whose storage entry is 64 MiB of deflated zeros (the file had 1 GiB). Before: the
        // whole storage was inflated while unpickling, before any shape was looked at.
        var pickle = new PickleBytes().EmptyDict().String("w").FloatTensor("0", 4, 0, [4], [1]).SetItem().Stop().ToArray();
        string path = TempFile("bomb.pth");
        try
        {
            PickleBytes.WriteZip(path, pickle, ("0", PickleBytes.Zeros(64L << 20), CompressionLevel.Optimal));
            Assert.IsLessThan(1L << 20, new FileInfo(path).Length);
            var error = OpenFails(path, out long allocated);
            StringAssert.Contains(error.Message, "storage '0'");
            Assert.IsLessThan(8L << 20, allocated, $"allocated {allocated} bytes");
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void ShapesAreKnownBeforeAnyTensorDataIsRead()
    {
        // A 64 MiB tensor whose deflated data is damaged: opening lists its shape without touching the data (so a
        // loader that compares shapes with its model first never reads a tensor it would refuse), and only reading
        // it fails. Before: every storage was read when the file was opened, so opening failed.
        const int count = 16 << 20;
        var pickle = new PickleBytes().EmptyDict().String("big").FloatTensor("0", count, 0, [count], [1]).SetItem().Stop().ToArray();
        string path = TempFile("large.pth");
        try
        {
            PickleBytes.WriteZip(path, pickle, ("0", PickleBytes.Zeros(4L * count), CompressionLevel.Fastest));
            PickleBytes.DamageEntryData(path, "archive/data/0");
            using var source = NamedTensorSource.Open(path);
            CollectionAssert.AreEqual(new long[] { count }, source.Shape("big"));
            StringAssert.Contains(Assert.ThrowsExactly<WeightLoadException>(() => source.Get("big")).Message, "big");
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void ViewsWithOffsetAndStridesReadTheRightElements()
    {
        // Storage 0..7; a [2, 3] view with strides [1, 2] from offset 1: rows (1, 3, 5) and (2, 4, 6), worked by hand.
        var pickle = new PickleBytes().EmptyDict().String("v").FloatTensor("0", 8, 1, [2, 3], [1, 2]).SetItem().Stop().ToArray();
        string path = TempFile("view.pth");
        try
        {
            PickleBytes.WriteZip(path, pickle, ("0", PickleBytes.Floats(0, 1, 2, 3, 4, 5, 6, 7), CompressionLevel.NoCompression));
            using var source = NamedTensorSource.Open(path);
            using var value = source.Get("v");
            CollectionAssert.AreEqual(new float[] { 1, 3, 5, 2, 4, 6 }, value.data<float>().ToArray());

            // The same view reaching past its storage is refused.
            var past = new PickleBytes().EmptyDict().String("v").FloatTensor("0", 8, 3, [2, 3], [1, 2]).SetItem().Stop().ToArray();
            PickleBytes.WriteZip(path, past, ("0", PickleBytes.Floats(0, 1, 2, 3, 4, 5, 6, 7), CompressionLevel.NoCompression));
            StringAssert.Contains(OpenFails(path, out _).Message, "reaches element");
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void AFileIsReadAsTheFormatItsNameAndBytesAgreeOn()
    {
        using var scope = NewDisposeScope();
        var state = new Dictionary<string, Tensor> { ["a"] = ones(3) };
        string zipNamedSafetensors = TempFile("model.safetensors"), safetensorsNamedPth = TempFile("model.pth");
        try
        {
            // Before: a zip named model.safetensors was read as a pickle.
            using (var stream = File.Create(zipNamedSafetensors)) PyTorchPickler.PickleStateDict(stream, state);
            StringAssert.Contains(OpenFails(zipNamedSafetensors, out _).Message, "named .safetensors but is a zip");

            using (var stream = File.Create(safetensorsNamedPth)) Safetensors.SaveStateDict(stream, state);
            StringAssert.Contains(OpenFails(safetensorsNamedPth, out _).Message, "named .pth but is not a PyTorch zip");
        }
        finally
        {
            File.Delete(zipNamedSafetensors);
            File.Delete(safetensorsNamedPth);
        }
    }
}
