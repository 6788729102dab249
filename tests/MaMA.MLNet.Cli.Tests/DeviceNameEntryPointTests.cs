using MaMA.MLNet.Cli.Commands;
using MaMA.MLNet.Components;
using MaMA.MLNet.Modeling;
using Microsoft.ML.OnnxRuntime;

namespace MaMA.MLNet.Cli.Tests;

/// <summary>
/// One device-name parser (<see cref="DeviceName"/>): the tool's <c>--device</c>, the components' options and ONNX
/// Runtime's execution providers accept and refuse the same names, with the same message. (Whether CUDA is there is
/// left out: the ONNX Runtime backend takes cuda without it, falling back to the CPU with a warning.)
/// </summary>
[TestClass]
public sealed class DeviceNameEntryPointTests
{
    [TestMethod]
    [DataRow("cpu", true, "cpu")]
    [DataRow("CPU", true, "cpu")]
    [DataRow(" cuda ", true, "cuda")]
    [DataRow("cuda:0", true, "cuda:0")]
    [DataRow("cuda:12", true, "cuda:12")]
    [DataRow("auto", true, "auto")]
    [DataRow("cuda:", false, null)]
    [DataRow("cuda:x", false, null)]
    [DataRow("cuda:-1", false, null)]
    [DataRow("cuda:+1", false, null)]
    [DataRow("cuda:99999999999", false, null)]
    [DataRow("cuda1", false, null)]
    [DataRow("gpu", false, null)]
    [DataRow("", false, null)]
    public void EveryEntryPointAcceptsAndRefusesTheSameNames(string name, bool accepted, string? canonical)
    {
        // The parser.
        Assert.AreEqual(accepted, DeviceName.TryParse(name, out var parsed), name);
        if (accepted) Assert.AreEqual(canonical, parsed.ToString());

        // The tool's --device (the ONNX Runtime backend, which takes cuda where CUDA is missing).
        var error = new StringWriter();
        int? failure;
        using (ExitCodes.WriteErrorsTo(error))
            failure = CommonOptions.TryDevice(name, out _, MaMAInferenceBackend.OnnxRuntime);
        Assert.AreEqual(accepted, failure is null, $"--device '{name}': {error}");
        if (!accepted)
        {
            Assert.AreEqual(ExitCodes.Usage, failure);
            Assert.AreEqual($"--device must be cpu, cuda, cuda:N or auto, got '{name}'.", error.ToString().Trim());
        }

        // The components' options, on both backends.
        foreach (var backend in new[] { MaMAInferenceBackend.TorchSharp, MaMAInferenceBackend.OnnxRuntime })
        {
            var options = new ImageEmbeddingOptions { ModelDirectory = "model", Device = name, Backend = backend };
            if (accepted) options.Validate();
            else StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(options.Validate).Message, $"got '{name}'");
        }

        // ONNX Runtime's execution providers.
        using var session = new SessionOptions();
        if (accepted)
            Assert.IsTrue(OnnxExecutionProviders.Configure(session, name, _ => { }) is "CPU" or "CUDA");
        else
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => OnnxExecutionProviders.Configure(session, name, _ => { })).Message,
                $"device must be cpu, cuda, cuda:N or auto, got '{name}'.");
    }

    [TestMethod]
    public void TorchSharpRefusesTheSameNamesAndReadsTheIndex()
    {
        Assert.AreEqual(new DeviceName(DeviceKind.Cuda, 12), DeviceName.Parse("cuda:12"));
        Assert.AreEqual(DeviceName.Cpu, DeviceName.Parse("CPU"));
        foreach (string name in new[] { "cuda:", "cuda:x", "cuda:-1", "gpu", "" })
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => TorchRuntime.ResolveDevice(name)).Message, $"got '{name}'");
        Assert.AreEqual(TorchSharp.DeviceType.CPU, TorchRuntime.ResolveDevice(" CPU ").type);
    }
}
