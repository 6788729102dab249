using System.Text.Json;
using MaMA.MLNet.Cli.Commands;
using MaMA.MLNet.Data.Manifest;
using Microsoft.ML.OnnxRuntime;

namespace MaMA.MLNet.Cli.Tests;

/// <summary>
/// A ResNet model through the fine-tuning path: <c>finetune --mode full</c> trains the backbone (its frozen batch
/// norms stay as they are) and a head on the 64-wide pooled feature, <c>predict</c> scores with the saved pipeline,
/// and <c>export-onnx</c> writes that classifier, checked in ONNX Runtime.
/// </summary>
[TestClass]
public sealed class ResNetFinetuneTests
{
    [TestMethod]
    public void AFullyFineTunedResNetPredictsAndExports()
    {
        string dir = Directory.CreateTempSubdirectory("mama-resnet-finetune-").FullName;
        try
        {
            string file = Path.Combine(dir, "density.mama.zip");
            var (code, output) = CliFixture.Capture(new FinetuneCommand(), "finetune", "--model", SmallResNetModel.Directory, "--manifest", CliFixture.Manifest,
                "--task", "density", "--mode", "full", "--out", file, "--steps", "3", "--batch-size", "4");
            Assert.AreEqual(ExitCodes.Success, code, output);
            using (var json = JsonDocument.Parse(output)) Assert.AreEqual(3, json.RootElement.GetProperty("stepsRun").GetInt32());

            string predictions = Path.Combine(dir, "predictions.csv");
            var predict = CliFixture.Capture(new PredictCommand(), "predict", "--model", file, "--manifest", CliFixture.Manifest, "--out", predictions);
            Assert.AreEqual(ExitCodes.Success, predict.Code, predict.Output);
            var lines = File.ReadAllLines(predictions);
            Assert.AreEqual("path,predicted,score_A,score_B,score_C,score_D", lines[0]);
            Assert.HasCount(1 + MammogramManifestReader.Read(CliFixture.Manifest).Records.Count, lines);

            string onnx = Path.Combine(dir, "density.onnx");
            var export = CliFixture.Capture(new ExportOnnxCommand(), "export-onnx", "--model", file, "--out", onnx, "--part", "classifier");
            Assert.AreEqual(ExitCodes.Success, export.Code, export.Output);
            StringAssert.Contains(export.Output, "classes: A, B, C, D");
            using var session = new InferenceSession(onnx);
            CollectionAssert.AreEqual(new[] { -1, 3, SmallResNetModel.ImageSize, SmallResNetModel.ImageSize }, session.InputMetadata["pixels"].Dimensions);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
