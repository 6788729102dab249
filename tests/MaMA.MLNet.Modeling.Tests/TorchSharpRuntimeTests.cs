using MaMA.MLNet.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests;

[TestClass]
public sealed class TorchSharpRuntimeTests
{
    [TestMethod]
    public void MatmulInsideTheTestHostMatchesTheClosedForm()
    {
        using var scope = NewDisposeScope();
        // A = [[1,2],[3,4]], B = [[5,6],[7,8]] => AB = [[19,22],[43,50]]
        var a = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        var b = tensor(new float[] { 5, 6, 7, 8 }).reshape(2, 2);
        float[] product = a.matmul(b).data<float>().ToArray();
        CollectionAssert.AreEqual(new float[] { 19, 22, 43, 50 }, product);
    }

    [TestMethod]
    public void LargeMatmulAgreesWithAManagedDotProduct()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(7);
        var a = randn(64, 96, dtype: ScalarType.Float64);
        var b = randn(96, 32, dtype: ScalarType.Float64);
        double[] av = a.data<double>().ToArray(), bv = b.data<double>().ToArray();
        double[] cv = a.matmul(b).data<double>().ToArray();
        for (int i = 0; i < 64; i += 9)
            for (int j = 0; j < 32; j += 5)
            {
                double expected = 0;
                for (int k = 0; k < 96; k++) expected += av[i * 96 + k] * bv[k * 32 + j];
                Assert.AreEqual(expected, cv[i * 32 + j], 1e-9);
            }
    }

    [TestMethod]
    public void SeedingMakesRandomDrawsRepeatable()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(123);
        float[] first = rand(16).data<float>().ToArray();
        TorchRuntime.Seed(123);
        float[] second = rand(16).data<float>().ToArray();
        TorchRuntime.Seed(124);
        float[] third = rand(16).data<float>().ToArray();
        CollectionAssert.AreEqual(first, second);
        CollectionAssert.AreNotEqual(first, third);
    }

    [TestMethod]
    public void DeviceAndDTypeNamesResolve()
    {
        Assert.AreEqual(DeviceType.CPU, TorchRuntime.ResolveDevice("cpu").type);
        Assert.AreEqual(ScalarType.BFloat16, TorchRuntime.ParseDType("bf16"));
        Assert.ThrowsExactly<ArgumentException>(() => TorchRuntime.ResolveDevice("tpu"));
        Assert.ThrowsExactly<ArgumentException>(() => TorchRuntime.ParseDType("int7"));
        if (!cuda.is_available())
            Assert.ThrowsExactly<ArgumentException>(() => TorchRuntime.ResolveDevice("cuda"));
    }
}
