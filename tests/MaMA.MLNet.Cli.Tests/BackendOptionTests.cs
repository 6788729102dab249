using System.Text.Json;
using MaMA.MLNet.Cli.Commands;

namespace MaMA.MLNet.Cli.Tests;

/// <summary><c>--backend onnx</c> on zeroshot and evaluate: ONNX Runtime encodes the images and the metrics match TorchSharp's.</summary>
[TestClass]
public sealed class BackendOptionTests
{
    private static JsonElement Json(ICliCommand command, string name, string backend)
    {
        var (code, output) = CliFixture.Capture(command, name, "--model", CliFixture.Model, "--manifest", CliFixture.Manifest, "--task", "density", "--json", "--backend", backend);
        Assert.AreEqual(ExitCodes.Success, code, output);
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    [TestMethod]
    [DataRow("zeroshot")]
    [DataRow("evaluate")]
    public void TheOnnxBackendGivesTheTorchSharpMetrics(string name)
    {
        ICliCommand Command() => name == "zeroshot" ? new ZeroShotCommand() : new EvaluateCommand();
        var torch = Json(Command(), name, "torch");
        var onnx = Json(Command(), name, "onnx");
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
}
