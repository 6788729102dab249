using MaMA.MLNet.Components;
using Microsoft.ML.OnnxRuntime;

namespace MaMA.MLNet.Tests.Components;

[TestClass]
public sealed class OnnxExecutionProvidersTests
{
    [TestMethod]
    public void CpuNeedsNoProviderAndCudaFallsBackToTheCpuWithAWarningWhereItCannotBeHad()
    {
        var warnings = new List<string>();
        using (var options = new SessionOptions())
            Assert.AreEqual("CPU", OnnxExecutionProviders.Configure(options, "cpu", warnings.Add));
        Assert.IsEmpty(warnings);
        // This test machine has no GPU: in the CPU build the provider is not there, in the GPU build it cannot start.
        using (var options = new SessionOptions())
            Assert.AreEqual("CPU", OnnxExecutionProviders.Configure(options, "cuda:0", warnings.Add));
        Assert.HasCount(1, warnings);
        StringAssert.Contains(warnings[0], "running on the CPU");
        if (!OnnxExecutionProviders.GpuBuild) StringAssert.Contains(warnings[0], "OnnxRuntimeBackend=gpu");
    }

    [TestMethod]
    public void AnUnknownDeviceIsRefused()
    {
        using var options = new SessionOptions();
        Assert.ThrowsExactly<ArgumentException>(() => OnnxExecutionProviders.Configure(options, "mps", _ => { }));
        Assert.ThrowsExactly<ArgumentException>(() => OnnxExecutionProviders.Configure(options, "cuda:x", _ => { }));
    }
}
