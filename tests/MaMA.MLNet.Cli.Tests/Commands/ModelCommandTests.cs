using System.CommandLine;
using System.Text.Json;
using MaMA.MLNet.Cli.Commands;
using MaMA.MLNet.Modeling.MaMA;
using static TorchSharp.torch;

namespace MaMA.MLNet.Cli.Tests.Commands;

[TestClass]
public sealed class ModelCommandTests
{
    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand("test");
        root.Subcommands.Add(new ModelCommand(output, error).Build());
        int exit = CliApp.Run(root, args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [TestMethod]
    public void SummaryJsonOfMaMABaseGivesThePapersCounts()
    {
        var (exit, output, _) = Run("model", "summary", "--preset", "mama-base", "--json");
        Assert.AreEqual(ExitCodes.Success, exit);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.AreEqual(2_621_440L, root.GetProperty("loraParameters").GetInt64());
        Assert.AreEqual(86_583_552L, root.GetProperty("imageEncoderParameters").GetInt64());
        long text = root.GetProperty("textEncoderParameters").GetInt64();
        Assert.IsTrue(text is > 2_500_000_000L and < 2_800_000_000L, $"BioMedLM is about 2.7B parameters, got {text}");
        var counts = MaMAModel.CountParameters(MaMAConfig.MaMABase);
        Assert.AreEqual(counts.Trainable, root.GetProperty("trainableParameters").GetInt64());
        Assert.IsTrue(counts.Trainable is > 90_000_000L and < 110_000_000L, $"ViT + heads + LoRA, the frozen LLM excluded: {counts.Trainable}");
    }

    [TestMethod]
    public void SummaryTextNamesThePreset()
    {
        var (exit, output, _) = Run("model", "summary", "--preset", "tiny");
        Assert.AreEqual(ExitCodes.Success, exit);
        StringAssert.Contains(output, "'tiny'");
        StringAssert.Contains(output, MaMAModel.CountParameters(MaMAConfig.Tiny).Total.ToString("N0"));
    }

    [TestMethod]
    public void UnknownOrMissingPresetIsAUsageError()
    {
        var (exit, _, error) = Run("model", "summary", "--preset", "huge");
        Assert.AreEqual(ExitCodes.Usage, exit);
        StringAssert.Contains(error, "huge");
        Assert.AreEqual(ExitCodes.Usage, Run("model", "summary").Exit);
    }

    [TestMethod]
    public void InitWritesALoadableModelAndTheSeedDecidesTheWeights()
    {
        string a = Path.Combine(Path.GetTempPath(), $"mama-cli-{Guid.NewGuid():N}"), b = a + "-b", c = a + "-c";
        try
        {
            Assert.AreEqual(ExitCodes.Success, Run("model", "init", "--preset", "tiny", "--out", a, "--seed", "7").Exit);
            Assert.AreEqual(ExitCodes.Success, Run("model", "init", "--preset", "tiny", "--out", b, "--seed", "7").Exit);
            Assert.AreEqual(ExitCodes.Success, Run("model", "init", "--preset", "tiny", "--out", c, "--seed", "8").Exit);
            var la = MaMAModelDirectory.Load(a);
            var lb = MaMAModelDirectory.Load(b);
            var lc = MaMAModelDirectory.Load(c);
            using var ma = la.Model;
            using var mb = lb.Model;
            using var mc = lc.Model;
            Assert.AreEqual(MaMAConfig.Tiny.ToJson(), ma.Config.ToJson());
            const string name = "img_encoder_q.model.blocks.0.attn.qkv.weight";
            Assert.IsTrue(ma.state_dict()[name].equal(mb.state_dict()[name]).all().item<bool>(), "same seed, same weights");
            Assert.IsFalse(ma.state_dict()[name].equal(mc.state_dict()[name]).all().item<bool>(), "another seed, other weights");
        }
        finally
        {
            foreach (var d in new[] { a, b, c }) if (Directory.Exists(d)) Directory.Delete(d, recursive: true);
        }
    }

    [TestMethod]
    [DataRow("tiny", "resnet18-imagenet", DisplayName = "tiny preset, --image-encoder resnet18-imagenet")]
    [DataRow("resnet18-imagenet", null, DisplayName = "resnet18-imagenet preset")]
    public void InitWithTheImageNetResNetStartsFromMLNetsPackagedWeights(string preset, string? encoder)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"mama-cli-{Guid.NewGuid():N}");
        try
        {
            string[] args = encoder is null
                ? ["model", "init", "--preset", preset, "--out", dir]
                : ["model", "init", "--preset", preset, "--out", dir, "--image-encoder", encoder];
            var (exit, output, error) = Run(args);
            Assert.AreEqual(ExitCodes.Success, exit, error);
            StringAssert.Contains(output, "ResNet18.onnx");
            var loaded = MaMAModelDirectory.Load(dir);
            using var model = loaded.Model;
            Assert.AreEqual(MaMA.MLNet.Modeling.Vision.ImageEncoderKind.ResNet, model.Config.ImageEncoder);
            string onnx = MaMA.MLNet.Onnx.Weights.ResNetOnnxWeights.FindPackagedResNet18()
                ?? throw new AssertFailedException("the tool's output lacks DnnImageModels/ResNet18Onnx/ResNet18.onnx");
            var file = MaMA.MLNet.Onnx.Weights.ResNetOnnxWeights.Read(onnx, model.Config.ResNet!);
            foreach (string name in new[] { "conv1.weight", "layer4.2.conv2.weight", "layer2.0.downsample.1.running_var" })
                Assert.IsTrue(model.state_dict()["img_encoder_q.model." + name].equal(file[name]).all().item<bool>(), name);
            foreach (var t in file.Values) t.Dispose();
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    public void InitWithAnUnknownImageEncoderIsAUsageError()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"mama-cli-{Guid.NewGuid():N}");
        var (exit, _, error) = Run("model", "init", "--preset", "tiny", "--out", dir, "--image-encoder", "resnet152");
        Assert.AreEqual(ExitCodes.Usage, exit);
        StringAssert.Contains(error, "resnet152");
        Assert.IsFalse(Directory.Exists(dir), "nothing is written");
    }

    [TestMethod]
    public void InitRefusesToReplaceADirectoryThatIsNotAModel()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"mama-cli-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "mine.txt"), "x");
            var (exit, _, error) = Run("model", "init", "--preset", "tiny", "--out", dir);
            Assert.AreEqual(ExitCodes.BadInput, exit);
            StringAssert.Contains(error, dir);
            Assert.IsTrue(File.Exists(Path.Combine(dir, "mine.txt")));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
