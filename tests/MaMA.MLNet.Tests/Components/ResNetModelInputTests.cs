using MaMA.MLNet.Components;
using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Tests.Components.Support;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.Tests.Components;

/// <summary>
/// The ML.NET stages on a model whose image encoder is a ResNet: images are loaded at the ResNet's size (not the
/// unused ViT configuration's) and other sides are refused naming the stride, the pooled-feature column is as wide as
/// the ResNet's last map, and the ONNX Runtime backend gives the TorchSharp embeddings.
/// </summary>
[TestClass]
public sealed class ResNetModelInputTests
{
    private static readonly Lazy<string> Model = new(() =>
    {
        // resnet18-imagenet's layout at a width a test can afford: 64 px, a 2 x 2 last map of 64 features. The
        // unused ViT configuration says 112 px, so a size read from it would show.
        var config = MaMAConfig.ResNet18ImageNet with
        {
            ResNet = MaMAConfig.ResNet18ImageNet.ResNet! with { StemWidth = 8, Stages = new(1, 1, 1, 1), ImageSize = 64 },
        };
        Assert.AreNotEqual(config.Vision.ImageSize, config.ImageSize);
        string dir = Path.Combine(ComponentFixture.NewTempFolder("resnet-model"), "model");
        TorchRuntime.Seed(31);
        using var model = new MaMAModel(config);
        MaMAModelDirectory.Save(model, dir);
        return dir;
    });

    private static IDataView Images(MLContext ml)
    {
        var rows = ml.Data.LoadFromEnumerable(ComponentFixture.Rows);
        return ml.Transforms.LoadMammograms("Image", "Path", LoadMammogramsOptions.ForModel(Model.Value)).Fit(rows).Transform(rows);
    }

    [TestMethod]
    public void ForModelLoadsImagesAtTheResNetsSize()
    {
        Assert.AreEqual(64, LoadMammogramsOptions.ForModel(Model.Value).Preprocessing.ImageSize);
        var ml = new MLContext(seed: 1);
        var images = Images(ml);
        Assert.AreEqual(3 * 64 * 64, ((VectorDataViewType)images.Schema["Image"].Type).Size);
    }

    [TestMethod]
    public void ASideThatIsNotAMultipleOfTheStrideIsRefusedNamingTheStride()
    {
        var ml = new MLContext(seed: 1);
        var rows = ml.Data.LoadFromEnumerable(ComponentFixture.Rows);
        // 56 px: whole 14-px patches, which a ViT takes, but not whole cells of the ResNet's stride 32.
        var images = ml.Transforms.LoadMammograms("Image", "Path", ComponentFixture.LoaderOptions).Fit(rows).Transform(rows);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.MaMAImageEmbedding(Model.Value).Fit(images).Transform(images).Preview(1));
        StringAssert.Contains(e.Message, "56 x 56");
        StringAssert.Contains(e.Message, "a multiple of 32");
    }

    [TestMethod]
    public void ThePooledFeatureColumnIsAsWideAsTheResNetsLastMap()
    {
        var ml = new MLContext(seed: 1);
        var images = Images(ml);
        var output = ml.Transforms.MaMAImageEmbedding(Model.Value, "Feature", options: new ImageEmbeddingOptions { Output = ImageEmbeddingKind.PooledFeature })
            .Fit(images).Transform(images);
        Assert.AreEqual(64, ((VectorDataViewType)output.Schema["Feature"].Type).Size, "8 x stem width 8");
        var features = output.GetColumn<float[]>("Feature").ToList();
        Assert.HasCount(ComponentFixture.Rows.Count, features);
        // The mean of ReLU outputs: non-negative, and not all zero.
        Assert.IsTrue(features.All(f => f.All(v => v >= 0)), "a pooled ReLU map is non-negative");
        Assert.IsTrue(features.Any(f => f.Any(v => v > 0)));
    }

    [TestMethod]
    public void TheOnnxBackendGivesTheTorchSharpEmbeddings()
    {
        var ml = new MLContext(seed: 1);
        var images = Images(ml);
        List<float[]> Embeddings(MaMAInferenceBackend backend) => ml.Transforms
            .MaMAImageEmbedding(Model.Value, options: new ImageEmbeddingOptions { Backend = backend })
            .Fit(images).Transform(images).GetColumn<float[]>("Embedding").ToList();
        var torch = Embeddings(MaMAInferenceBackend.TorchSharp);
        var onnx = Embeddings(MaMAInferenceBackend.OnnxRuntime);
        Assert.HasCount(torch.Count, onnx);
        double max = torch.Zip(onnx).Max(p => p.First.Zip(p.Second).Max(v => Math.Abs(v.First - v.Second)));
        Assert.IsLessThanOrEqualTo(1e-4, max, "ONNX Runtime vs TorchSharp embedding");
        Assert.IsGreaterThan(1e-3, torch.Skip(1).Max(e => e.Zip(torch[0]).Max(v => Math.Abs(v.First - v.Second))), "images give different embeddings");
    }
}
