using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using MaMA.MLNet.Cli.Commands;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using Microsoft.ML.OnnxRuntime;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MaMA.MLNet.Cli.Tests.Commands;

/// <summary><c>mama export-onnx</c> on a tiny saved model: each part is written, loaded by ONNX Runtime and checked.</summary>
[TestClass]
public sealed partial class ExportOnnxCommandTests
{
    private static string _folder = "";
    private static string _modelDir = "";

    [ClassInitialize]
    public static void SaveTinyModel(TestContext _)
    {
        _folder = Path.Combine(Path.GetTempPath(), "mama-export-onnx-" + Guid.NewGuid().ToString("N"));
        _modelDir = Path.Combine(_folder, "model");
        TorchRuntime.Seed(11);
        using var model = new MaMAModel(MaMAConfig.Tiny);
        MaMAModelDirectory.Save(model, _modelDir);
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var root = new RootCommand { new ExportOnnxCommand().Build() };
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliApp.Run(root, ["export-onnx", .. args], output, error);
        return (code, output.ToString(), error.ToString());
    }

    [GeneratedRegex(@"max abs diff (\S+)")]
    private static partial Regex DiffPattern();

    private static double ReportedDiff(string output)
    {
        var match = DiffPattern().Match(output);
        Assert.IsTrue(match.Success, output);
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [TestMethod]
    public void ImagePartIsWrittenAndMatchesTheModel()
    {
        string path = Path.Combine(_folder, "image.onnx");
        var (code, output, error) = Run("--model", _modelDir, "--out", path, "--part", "image", "--image-size", "28");
        Assert.AreEqual(ExitCodes.Success, code, output + error);
        Assert.IsLessThanOrEqualTo(1e-4, ReportedDiff(output));
        using var session = new InferenceSession(path);
        CollectionAssert.AreEqual(new[] { -1, 3, 28, 28 }, session.InputMetadata["pixels"].Dimensions);
        CollectionAssert.AreEqual(new[] { -1, MaMAConfig.Tiny.EmbeddingSize }, session.OutputMetadata["embedding"].Dimensions);
    }

    [TestMethod]
    public void TextPartIsWrittenAndMatchesTheModel()
    {
        string path = Path.Combine(_folder, "text.onnx");
        var (code, output, error) = Run("--model", _modelDir, "--out", path, "--part", "text");
        Assert.AreEqual(ExitCodes.Success, code, output + error);
        Assert.IsLessThanOrEqualTo(1e-4, ReportedDiff(output));
        using var session = new InferenceSession(path);
        CollectionAssert.AreEquivalent(new[] { "input_ids", "attention_mask" }, session.InputMetadata.Keys.ToArray());
    }

    [TestMethod]
    public void ClassifierPartTakesAHeadFile()
    {
        string headPath = WriteHead("head.safetensors", 3, MaMAConfig.Tiny.Vision.Width);
        string path = Path.Combine(_folder, "classifier.onnx");
        var (code, output, error) = Run("--model", _modelDir, "--out", path, "--part", "classifier", "--head", headPath, "--image-size", "28");
        Assert.AreEqual(ExitCodes.Success, code, output + error);
        Assert.IsLessThanOrEqualTo(1e-4, ReportedDiff(output));
        using var session = new InferenceSession(path);
        CollectionAssert.AreEqual(new[] { -1, 3 }, session.OutputMetadata["probabilities"].Dimensions);
    }

    [TestMethod]
    public void ClassifierPartOfAResNetModelMatchesTheModel()
    {
        string resNetDir = SmallResNetModel.Directory;
        string headPath = WriteHead("resnet-head.safetensors", 2, SmallResNetModel.FeatureWidth);
        string path = Path.Combine(_folder, "resnet-classifier.onnx");
        var (code, output, error) = Run("--model", resNetDir, "--out", path, "--part", "classifier", "--head", headPath, "--image-size", "64");
        Assert.AreEqual(ExitCodes.Success, code, output + error);
        Assert.IsLessThanOrEqualTo(1e-4, ReportedDiff(output));
        using var session = new InferenceSession(path);
        CollectionAssert.AreEqual(new[] { -1, 3, 64, 64 }, session.InputMetadata["pixels"].Dimensions);
        CollectionAssert.AreEqual(new[] { -1, 2 }, session.OutputMetadata["probabilities"].Dimensions);
    }

    [TestMethod]
    public void SimilarityPartOfAViTModelMatchesTheModel()
    {
        string path = Path.Combine(_folder, "similarity.onnx");
        var (code, output, error) = Run("--model", _modelDir, "--out", path, "--part", "similarity", "--image-size", "28");
        Assert.AreEqual(ExitCodes.Success, code, output + error);
        StringAssert.Contains(output, "'similarity'");
        Assert.IsLessThanOrEqualTo(1e-4, ReportedDiff(output));
        using var session = new InferenceSession(path);
        CollectionAssert.AreEqual(new[] { -1, 4, -1 }, session.OutputMetadata["similarity"].Dimensions, "2 x 2 patches of 14 px");
    }

    [TestMethod]
    public void SimilarityPartOfAResNetModelIsOverTheLastFeatureMap()
    {
        string resNetDir = SmallResNetModel.Directory;
        string path = Path.Combine(_folder, "resnet-similarity.onnx");
        var (code, output, error) = Run("--model", resNetDir, "--out", path, "--part", "similarity", "--image-size", "96");
        Assert.AreEqual(ExitCodes.Success, code, output + error);
        Assert.IsLessThanOrEqualTo(1e-4, ReportedDiff(output));
        using var session = new InferenceSession(path);
        CollectionAssert.AreEquivalent(new[] { "pixels", "input_ids", "attention_mask", "sentence_positions", "sentence_mask" }, session.InputMetadata.Keys.ToArray());
        CollectionAssert.AreEqual(new[] { -1, 9, -1 }, session.OutputMetadata["similarity"].Dimensions, "3 x 3 cells of the stride-32 map at 96 px");

        // A side that is not a multiple of the stride: bad input naming it, no file.
        string bad = Path.Combine(_folder, "resnet-similarity-100.onnx");
        var refused = Run("--model", resNetDir, "--out", bad, "--part", "similarity", "--image-size", "100");
        Assert.AreEqual(ExitCodes.BadInput, refused.Code, refused.Output + refused.Error);
        StringAssert.Contains(refused.Error, "stride 32");
        Assert.IsFalse(File.Exists(bad));
    }

    // A random linear head (weight [classes, width], bias [classes]) as the safetensors file --head reads.
    private static string WriteHead(string name, int classes, int featureWidth)
    {
        string headPath = Path.Combine(_folder, name);
        using var scope = NewDisposeScope();
        var state = new Dictionary<string, Tensor> { ["weight"] = randn(classes, featureWidth), ["bias"] = randn(classes) };
        using var stream = File.Create(headPath);
        Safetensors.SaveStateDict(stream, state);
        return headPath;
    }

    [TestMethod]
    public void ZeroShotWithoutATaskIsAUsageError()
    {
        var (code, _, error) = Run("--model", _modelDir, "--out", Path.Combine(_folder, "z.onnx"), "--part", "zeroshot");
        Assert.AreEqual(ExitCodes.Usage, code);
        StringAssert.Contains(error, "--task");
    }

    [TestMethod]
    public void ZeroShotWithoutATokenizerIsBadInput()
    {
        var (code, _, error) = Run("--model", _modelDir, "--out", Path.Combine(_folder, "z.onnx"), "--part", "zeroshot", "--task", "density", "--image-size", "28");
        Assert.AreEqual(ExitCodes.BadInput, code);
        StringAssert.Contains(error, "tokenizer");
    }

    [TestMethod]
    public void UnknownPartAndMissingModelAreRejected()
    {
        Assert.AreEqual(ExitCodes.Usage, Run("--model", _modelDir, "--out", "x.onnx", "--part", "everything").Code);
        var (code, _, error) = Run("--model", Path.Combine(_folder, "absent"), "--out", Path.Combine(_folder, "x.onnx"), "--part", "image");
        Assert.AreEqual(ExitCodes.BadInput, code);
        StringAssert.Contains(error, "absent");
    }

    [TestMethod]
    public void ImageSizeThatIsNotWholePatchesIsBadInput()
    {
        var (code, _, error) = Run("--model", _modelDir, "--out", Path.Combine(_folder, "bad.onnx"), "--part", "image", "--image-size", "30");
        Assert.AreEqual(ExitCodes.BadInput, code);
        StringAssert.Contains(error, "30");
    }
}
