using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Vision;
using MaMA.MLNet.Modeling.Weights;
using MaMA.MLNet.Onnx.Weights;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Onnx.Tests.Weights;

/// <summary>
/// ML.NET's ImageNet ResNet18 (the ONNX file of Microsoft.ML.DnnImageFeaturizer.ResNet18, copied to the test
/// output by build/ImageNetResNet18.targets) read into our <see cref="ResNet"/>, checked against ONNX Runtime
/// running that same file.
/// </summary>
[TestClass]
public sealed class ResNetOnnxWeightsTests
{
    private static string PackagedFile =>
        ResNetOnnxWeights.FindPackagedResNet18() ?? throw new AssertFailedException(
            $"{ResNetOnnxWeights.PackagedResNet18RelativePath} is missing from the test output (build/ImageNetResNet18.targets copies it).");

    [TestMethod]
    public void PooledFeaturesMatchOnnxRuntimeRunningTheFeaturizerFile()
    {
        using var scope = NewDisposeScope();
        string path = PackagedFile;
        using var network = new ResNet(ResNetConfig.ResNet18ImageNet);
        ResNetOnnxWeights.LoadInto(network, path);
        network.eval();
        // What the featurizer's preprocessing hands the network: BGR intensities in [0, 255] minus ~115.
        var generator = new TorchSharp.torch.Generator(7);
        var input = (rand([2, 3, 224, 224], generator: generator) * 255 - 115).to(ScalarType.Float32);

        double[] ours;
        using (no_grad())
        {
            network.to(ScalarType.Float64);
            ours = network.FeatureMap(input.to(ScalarType.Float64)).mean([2, 3]).data<double>().ToArray();
        }

        using var session = new InferenceSession(path);
        string inputName = session.InputMetadata.Keys.Single();
        var ort = new List<float>();
        for (int b = 0; b < 2; b++)
        {
            float[] image = input[b].contiguous().data<float>().ToArray();
            using var value = OrtValue.CreateTensorValueFromMemory(image, [1, 3, 224, 224]);
            using var results = session.Run(new RunOptions(), new Dictionary<string, OrtValue> { [inputName] = value }, session.OutputNames);
            ort.AddRange(results[0].GetTensorDataAsSpan<float>().ToArray());
        }

        Assert.HasCount(2 * 512, ort);
        double diff = ours.Zip(ort, (a, r) => Math.Abs(a - r)).Max();
        Assert.IsLessThanOrEqualTo(1e-4, diff, $"max |ours - ORT| over the pooled features = {diff:E3}");
        // Not a vacuous match: ImageNet features of two different images are non-zero and differ.
        Assert.IsGreaterThan(0.1, ort.Take(512).Average());
        Assert.IsGreaterThan(1e-2, ort.Take(512).Zip(ort.Skip(512), (a, c) => Math.Abs(a - c)).Max());
    }

    [TestMethod]
    public void GreyMaMAImagesBecomeFeaturizerIntensitiesMinusTheChannelMeans()
    {
        using var scope = NewDisposeScope();
        using var network = new ResNet(ResNetConfig.ResNet18ImageNet);
        double[] intensities = [0.0, 0.25, 1.0];
        double[] bgrMean = [103.0626, 115.9029, 123.1516];
        foreach (double v in intensities)
        {
            var mama = full(new long[] { 1, 3, 32, 32 }, (v - 0.5) / 0.5, dtype: ScalarType.Float64);   // the pipeline's normalisation
            var networkInput = network.ToNetworkInput(mama);
            for (int c = 0; c < 3; c++)
                Assert.AreEqual(255 * v - bgrMean[c], networkInput[0, c, 5, 7].item<double>(), 1e-9, $"channel {c} at intensity {v}");
        }
        // Colour input: the network reads BGR, so the first input channel (R) lands in the last network channel.
        var red = zeros(new long[] { 1, 3, 32, 32 }, dtype: ScalarType.Float64) - 1;
        red[0, 0] = ones(32, 32, dtype: ScalarType.Float64);
        Assert.AreEqual(255 - bgrMean[2], network.ToNetworkInput(red)[0, 2, 0, 0].item<double>(), 1e-9);
        Assert.AreEqual(-bgrMean[0], network.ToNetworkInput(red)[0, 0, 0, 0].item<double>(), 1e-9);
    }

    [TestMethod]
    public void AModelBuiltFromTheResNetPresetLoadsThePackagedWeights()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(5);
        using var model = new MaMAModel(MaMAConfig.ResNet18ImageNet);
        ResNetOnnxWeights.LoadInto(model, PackagedFile);
        using var reference = new ResNet(ResNetConfig.ResNet18ImageNet);
        ResNetOnnxWeights.LoadInto(reference, PackagedFile);
        model.eval();
        reference.eval();
        var pixels = rand([1, 3, 64, 64], generator: new TorchSharp.torch.Generator(3)) * 2 - 1;
        using (no_grad())
        {
            var encoded = model.EncodeImages(pixels);
            var expected = reference.forward(pixels).PooledFeature;
            Assert.IsLessThanOrEqualTo(1e-6, (encoded.PooledFeature - expected).abs().max().item<float>());
            CollectionAssert.AreEqual(new long[] { 1, 128 }, encoded.Embedding.shape);
        }
    }

    [TestMethod]
    public void AFileThatIsNotOnnxIsAWeightLoadErrorNamingIt()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mama-not-onnx-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, [0xFF, 0xFF, 0xFF, 0x0F, 0x01, 0x02]);
        try
        {
            var e = Assert.ThrowsExactly<WeightLoadException>(() => ResNetOnnxWeights.Read(path, ResNetConfig.ResNet18ImageNet));
            StringAssert.Contains(e.Message, path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void TorchvisionResNet34StagesDoNotFitTheFeaturizerFile()
    {
        var e = Assert.ThrowsExactly<WeightLoadException>(() => ResNetOnnxWeights.Read(PackagedFile, ResNetConfig.ResNet18ImageNet with { Stages = ResNetStages.ResNet34 }));
        StringAssert.Contains(e.Message, "3-4-6-3");
    }
}
