using MaMA.MLNet.Modeling.Tests.TestSupport;
using MaMA.MLNet.Modeling.Weights;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.Weights;

[TestClass]
public sealed class NamedTensorSourceTests
{
    private static string TempFile(string extension) => Path.Combine(Path.GetTempPath(), $"mama-source-{Guid.NewGuid():N}{extension}");

    private static Dictionary<string, Tensor> Sample() => new()
    {
        ["a.weight"] = arange(6, dtype: ScalarType.Float32).reshape(2, 3),
        ["b"] = tensor(new double[] { 1.5, -2.5 }),
        ["c.half"] = ones(4, dtype: ScalarType.Float16),
    };

    [TestMethod]
    public void SafetensorsListNamesAndShapesAndReadTensors()
    {
        using var scope = NewDisposeScope();
        string path = TempFile(".safetensors");
        try
        {
            using (var stream = File.Create(path)) Safetensors.SaveStateDict(stream, Sample());
            using var source = NamedTensorSource.Open(path);
            CollectionAssert.AreEquivalent(new[] { "a.weight", "b", "c.half" }, source.Names.ToList());
            CollectionAssert.AreEqual(new long[] { 2, 3 }, source.Shape("a.weight"));
            Numerics.AssertClose(Sample()["a.weight"], source.Get("a.weight"), 0, "a.weight");
            Assert.AreEqual(ScalarType.Float64, source.Get("b").dtype);
            Assert.AreEqual(ScalarType.Float16, source.Get("c.half").dtype);
            Assert.ThrowsExactly<WeightLoadException>(() => source.Get("missing"));
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void PicklesAreReadAndFlattened()
    {
        using var scope = NewDisposeScope();
        string path = TempFile(".pth");
        try
        {
            using (var stream = File.Create(path)) PyTorchPickler.PickleStateDict(stream, Sample());
            using var source = NamedTensorSource.Open(path);
            CollectionAssert.AreEqual(new[] { "a.weight", "b", "c.half" }, source.Names.ToList());
            Numerics.AssertClose(Sample()["b"], source.Get("b"), 0, "b");
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void CorruptOrMissingFilesGiveAClearError()
    {
        string path = TempFile(".safetensors");
        try
        {
            var missing = Assert.ThrowsExactly<WeightLoadException>(() => NamedTensorSource.Open(path));
            StringAssert.Contains(missing.Message, path);

            // A header length far beyond the file: rejected before anything of that size is allocated.
            File.WriteAllBytes(path, [.. BitConverter.GetBytes(ulong.MaxValue / 2), .. "{}"u8.ToArray()]);
            StringAssert.Contains(Assert.ThrowsExactly<WeightLoadException>(() => NamedTensorSource.Open(path)).Message, "header length");

            byte[] header = "{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}"u8.ToArray();
            File.WriteAllBytes(path, [.. BitConverter.GetBytes((ulong)header.Length), .. header, 1, 2, 3]); // 3 data bytes, not 16
            StringAssert.Contains(Assert.ThrowsExactly<WeightLoadException>(() => NamedTensorSource.Open(path)).Message, "'x'");

            byte[] notJson = "{not json"u8.ToArray();
            File.WriteAllBytes(path, [.. BitConverter.GetBytes((ulong)notJson.Length), .. notJson]);
            StringAssert.Contains(Assert.ThrowsExactly<WeightLoadException>(() => NamedTensorSource.Open(path)).Message, "malformed");

            File.WriteAllBytes(path, [0x50, 0x4B, 0x03, 0x04, 0, 0, 0]); // a zip signature and nothing else
            StringAssert.Contains(Assert.ThrowsExactly<WeightLoadException>(() => NamedTensorSource.Open(path)).Message, path);
        }
        finally { File.Delete(path); }
    }
}
