using System.CommandLine;
using MaMA.MLNet.Cli.Commands;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Tests.Shared;
using static TorchSharp.torch;

namespace MaMA.MLNet.Cli.Tests.Commands;

/// <summary><c>mama model init --image-weights --text-model</c> and <c>mama pretrain --init</c> on files the test writes.</summary>
[TestClass]
public sealed class ModelInitFromWeightsTests
{
    private string root = "";

    [TestInitialize]
    public void CreateFolder() => root = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"mama-cli-weights-{Guid.NewGuid():N}")).FullName;

    [TestCleanup]
    public void DeleteFolder()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var command = new RootCommand("test");
        command.Subcommands.Add(new ModelCommand(output, error).Build());
        int exit = CliApp.Run(command, args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [TestMethod]
    public void InitFromPublicWeightsWritesTheModelOfTheOneCallWithItsTokenizerAndPretrainContinuesFromIt()
    {
        using var vit = PretrainedTestFiles.BuildVision(seed: 1);
        using var gpt = PretrainedTestFiles.BuildText(seed: 2);
        string pth = PretrainedTestFiles.WriteHubPth(vit, Path.Combine(root, "dinov2.pth"));
        string text = PretrainedTestFiles.WriteHuggingFaceGpt2(gpt, Path.Combine(root, "gpt2"));
        string model = Path.Combine(root, "model");

        var (exit, output, error) = Run("model", "init", "--image-weights", pth, "--text-model", text, "--preset", "tiny", "--seed", "3", "--out", model);
        Assert.AreEqual(ExitCodes.Success, exit, error);
        StringAssert.Contains(output, "DINOv2 torch hub names");
        StringAssert.Contains(output, "wte resized from 50,257 to 50,263 rows");

        var saved = MaMAModelDirectory.Load(model);
        using var fromDirectory = saved.Model;
        Assert.IsNotNull(saved.Tokenizer, "the tokenizer is written with the model");
        Assert.AreEqual(fromDirectory.Config.TextVocabSize, saved.Tokenizer.VocabularySize);
        var direct = MaMAModel.FromPretrained(new MaMAPretrainedOptions { ImageWeights = pth, TextModel = text, Template = MaMAConfig.Tiny, Seed = 3 });
        using var expected = direct.Model;
        Assert.AreEqual(expected.Config.ToJson(), fromDirectory.Config.ToJson());
        var state = fromDirectory.state_dict();
        foreach (var (name, tensor) in expected.state_dict())
            Assert.IsTrue(tensor.equal(state[name]).all().item<bool>(), $"{name} differs from MaMAModel.FromPretrained with the same seed");

        // pretrain --init continues from it (one step) and saves a model of the same configuration.
        string run = Path.Combine(root, "run");
        int code = CliFixture.Invoke(new PretrainCommand(), "pretrain", "--manifest", CliFixture.Manifest, "--init", model, "--out", run,
            "--steps", "1", "--batch-size", "2");
        Assert.AreEqual(ExitCodes.Success, code);
        var continued = MaMAModelDirectory.Load(Path.Combine(run, "model"));
        using var continuedModel = continued.Model;
        Assert.AreEqual(expected.Config.ToJson(), continuedModel.Config.ToJson());
        Assert.IsNotNull(continued.Tokenizer);
        Assert.AreEqual(ExitCodes.Usage, CliFixture.Invoke(new PretrainCommand(), "pretrain", "--manifest", CliFixture.Manifest, "--init", model,
            "--out", run, "--image-size", "84"));
    }

    [TestMethod]
    public void WrongOrMissingWeightOptionsAreClearErrors()
    {
        using var gpt = PretrainedTestFiles.BuildText(seed: 4);
        string text = PretrainedTestFiles.WriteHuggingFaceGpt2(gpt, Path.Combine(root, "gpt2"));
        string model = Path.Combine(root, "model");

        var (exit, _, error) = Run("model", "init", "--image-weights", Path.Combine(text, "model.safetensors"), "--text-model", text, "--out", model);
        Assert.AreEqual(ExitCodes.BadInput, exit);
        StringAssert.Contains(error, Path.Combine(text, "model.safetensors"));
        StringAssert.Contains(error, "patch_embed.proj.weight");
        Assert.IsFalse(Directory.Exists(model), "nothing written");

        (exit, _, error) = Run("model", "init", "--image-weights", Path.Combine(root, "missing.pth"), "--text-model", text, "--out", model);
        Assert.AreEqual(ExitCodes.BadInput, exit);
        StringAssert.Contains(error, "missing.pth");

        (exit, _, error) = Run("model", "init", "--image-weights", Path.Combine(root, "any.pth"), "--out", model);
        Assert.AreEqual(ExitCodes.Usage, exit);
        StringAssert.Contains(error, "--text-model");
        Assert.AreEqual(ExitCodes.Usage, Run("model", "init", "--out", model).Exit);
    }
}
