using System.Text.Json;
using MaMA.MLNet.Cli.Commands;

namespace MaMA.MLNet.Cli.Tests;

/// <summary><c>--backend onnx</c> on zeroshot, evaluate and embed: ONNX Runtime encodes the images (a ViT's or a ResNet's) and the results match TorchSharp's.</summary>
[TestClass]
public sealed class BackendOptionTests
{
    private static JsonElement Json(ICliCommand command, string name, string backend, string model)
    {
        var (code, output) = CliFixture.Capture(command, name, "--model", model, "--manifest", CliFixture.Manifest, "--task", "density", "--json", "--backend", backend);
        Assert.AreEqual(ExitCodes.Success, code, output);
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    [TestMethod]
    [DataRow("zeroshot", false, DisplayName = "zeroshot, ViT")]
    [DataRow("evaluate", false, DisplayName = "evaluate, ViT")]
    [DataRow("zeroshot", true, DisplayName = "zeroshot, ResNet")]
    [DataRow("evaluate", true, DisplayName = "evaluate, ResNet")]
    public void TheOnnxBackendGivesTheTorchSharpMetrics(string name, bool resNet)
    {
        ICliCommand Command() => name == "zeroshot" ? new ZeroShotCommand() : new EvaluateCommand();
        string model = resNet ? SmallResNetModel.Directory : CliFixture.Model;
        var torch = Json(Command(), name, "torch", model);
        var onnx = Json(Command(), name, "onnx", model);
        Assert.AreEqual(torch.GetProperty("count").GetInt32(), onnx.GetProperty("count").GetInt32());
        Assert.AreEqual(torch.GetProperty("confusionMatrix").GetRawText(), onnx.GetProperty("confusionMatrix").GetRawText());
        Assert.AreEqual(torch.GetProperty("balancedAccuracy").GetDouble(), onnx.GetProperty("balancedAccuracy").GetDouble(), 1e-9);
        Assert.AreEqual(torch.GetProperty("auc").GetDouble(), onnx.GetProperty("auc").GetDouble(), 1e-4);
    }

    [TestMethod]
    public void AnUnknownBackendIsAUsageError()
    {
        var saved = Console.Error;
        Console.SetError(new StringWriter());
        try
        {
            Assert.AreEqual(ExitCodes.Usage, CliFixture.Invoke(new ZeroShotCommand(), "zeroshot", "--model", CliFixture.Model, "--manifest", CliFixture.Manifest, "--backend", "tpu"));
            Assert.AreEqual(ExitCodes.Usage, CliFixture.Invoke(new EvaluateCommand(), "evaluate", "--model", CliFixture.Model, "--manifest", CliFixture.Manifest, "--backend", "tpu"));
        }
        finally
        {
            Console.SetError(saved);
        }
    }

    /// <summary>
    /// <c>embed --backend onnx --device cuda</c> in a build without the ONNX Runtime GPU package (this one): a warning
    /// on stderr, the run on the CPU, and the very embeddings of <c>--device cpu</c>. (The GPU build's own fallback,
    /// where the CUDA provider library is present but no GPU or CUDA runtime is, is run by tests/gpu-build/run.sh.)
    /// </summary>
    [TestMethod]
    public void EmbedOnCudaWithoutTheGpuBuildWarnsAndGivesTheCpuEmbeddings()
    {
        string dir = Directory.CreateTempSubdirectory("mama-embed-device-").FullName;
        var saved = Console.Error;
        var stderr = new StringWriter();
        Console.SetError(stderr);
        try
        {
            string Embed(string device, string name)
            {
                string output = Path.Combine(dir, name);
                var (code, stdout) = CliFixture.Capture(new EmbedCommand(), "embed", "--model", CliFixture.Model, "--manifest", CliFixture.Manifest,
                    "--out", output, "--backend", "onnx", "--device", device);
                Assert.AreEqual(ExitCodes.Success, code, stdout + stderr);
                StringAssert.Contains(stdout, "ONNX Runtime on CPU");
                return output;
            }
            var cpu = MaMA.MLNet.Embeddings.EmbeddingTableReader.Read(Embed("cpu", "cpu.csv")).ToList();
            Assert.DoesNotContain("warning", stderr.ToString(), "no warning on the CPU");
            var cuda = MaMA.MLNet.Embeddings.EmbeddingTableReader.Read(Embed("cuda:0", "cuda.csv")).ToList();
            StringAssert.Contains(stderr.ToString(), "warning: device 'cuda:0' asked for the CUDA execution provider");
            StringAssert.Contains(stderr.ToString(), "running on the CPU");
            Assert.HasCount(16, cpu);
            CollectionAssert.AreEqual(cpu.Select(r => r.Path).ToList(), cuda.Select(r => r.Path).ToList());
            for (int i = 0; i < cpu.Count; i++) CollectionAssert.AreEqual(cpu[i].Embedding, cuda[i].Embedding, cpu[i].Path);
        }
        finally
        {
            Console.SetError(saved);
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary><c>embed --backend onnx</c> on a ResNet model: the ResNet graph is exported at the model's size and gives the TorchSharp embeddings.</summary>
    [TestMethod]
    public void EmbedWithTheOnnxBackendOnAResNetModelGivesTheTorchSharpEmbeddings()
    {
        string dir = Directory.CreateTempSubdirectory("mama-embed-resnet-").FullName;
        try
        {
            List<MaMA.MLNet.Embeddings.EmbeddingRow> Embed(string backend)
            {
                string output = Path.Combine(dir, backend + ".csv");
                var (code, stdout) = CliFixture.Capture(new EmbedCommand(), "embed", "--model", SmallResNetModel.Directory, "--manifest", CliFixture.Manifest,
                    "--out", output, "--backend", backend);
                Assert.AreEqual(ExitCodes.Success, code, stdout);
                return MaMA.MLNet.Embeddings.EmbeddingTableReader.Read(output).ToList();
            }
            var torch = Embed("torch");
            var onnx = Embed("onnx");
            Assert.HasCount(16, torch);
            CollectionAssert.AreEqual(torch.Select(r => r.Path).ToList(), onnx.Select(r => r.Path).ToList());
            for (int i = 0; i < torch.Count; i++)
            {
                Assert.HasCount(torch[i].Embedding.Length, onnx[i].Embedding);
                for (int j = 0; j < torch[i].Embedding.Length; j++)
                    Assert.AreEqual(torch[i].Embedding[j], onnx[i].Embedding[j], 1e-4, $"{torch[i].Path}[{j}]");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    [DataRow("torch", "cuda", "CUDA is not available here")]
    [DataRow("onnx", "tpu", "--device must be cpu, cuda, cuda:N or auto")]
    [DataRow("onnx", "cuda:x", "--device must be cpu, cuda, cuda:N or auto")]
    public void AnEmbedDeviceItCannotUseIsAUsageError(string backend, string device, string message)
    {
        var saved = Console.Error;
        var stderr = new StringWriter();
        Console.SetError(stderr);
        try
        {
            Assert.AreEqual(ExitCodes.Usage, CliFixture.Invoke(new EmbedCommand(), "embed", "--model", CliFixture.Model, "--manifest", CliFixture.Manifest,
                "--out", Path.Combine(Path.GetTempPath(), "never-written-" + Guid.NewGuid().ToString("N") + ".csv"), "--backend", backend, "--device", device));
            StringAssert.Contains(stderr.ToString(), message);
        }
        finally
        {
            Console.SetError(saved);
        }
    }
}
