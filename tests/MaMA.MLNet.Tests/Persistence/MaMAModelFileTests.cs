using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Preprocessing;
using Microsoft.ML;
using Microsoft.ML.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MaMA.MLNet.Tests.Persistence;

[TestClass]
public sealed class MaMAModelFileTests
{
    private sealed class Input
    {
        public string Path { get; set; } = "";
        public string Label { get; set; } = "";
    }

    private sealed class Scored
    {
        public string Path { get; set; } = "";
        public float[] Score { get; set; } = [];
    }

    private static string _folder = "";
    private static List<Input> _rows = [];

    [ClassInitialize]
    public static void WriteImages(TestContext _)
    {
        _folder = Directory.CreateTempSubdirectory("mama-persist-").FullName;
        var random = new Random(11);
        for (int i = 0; i < 24; i++)
        {
            bool bright = i % 2 == 0;
            using var image = new Image<L16>(16, 16);
            for (int y = 0; y < 16; y++)
                for (int x = 0; x < 16; x++)
                    image[x, y] = new L16((ushort)((bright ? 30000 : 10000) + random.Next(20000)));
            string path = Path.Combine(_folder, $"img{i}.png");
            image.SaveAsPng(path);
            _rows.Add(new Input { Path = path, Label = bright ? "bright" : "dark" });
        }
    }

    [ClassCleanup]
    public static void Cleanup() => Directory.Delete(_folder, recursive: true);

    private static (ITransformer Model, IDataView Data) TrainPipeline(MLContext ml)
    {
        var data = ml.Data.LoadFromEnumerable(_rows);
        var options = new LoadMammogramsOptions { Preprocessing = new PreprocessingOptions { ImageSize = 8, LongSide = 0, CropToBreast = false } };
        var pipeline = ml.Transforms.LoadMammograms("Image", "Path", options)
            .Append(ml.Transforms.Conversion.MapValueToKey("Label"))
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(featureColumnName: "Image"));
        return (pipeline.Fit(data), data);
    }

    [TestMethod]
    public void APipelineWithMaMAAndMlNetStagesPredictsIdenticallyAfterSaveAndLoad()
    {
        var ml = new MLContext(seed: 1);
        var (model, data) = TrainPipeline(ml);
        string file = Path.Combine(_folder, "pipeline.mama.zip");
        ml.Model.SaveMaMA(model, data.Schema, file);

        var fresh = new MLContext(seed: 2);
        var loaded = fresh.Model.LoadMaMA(file);
        var before = ml.Data.CreateEnumerable<Scored>(model.Transform(data), reuseRowObject: false).ToList();
        var after = fresh.Data.CreateEnumerable<Scored>(loaded.Transform(fresh.Data.LoadFromEnumerable(_rows)), reuseRowObject: false).ToList();

        Assert.HasCount(_rows.Count, after);
        for (int i = 0; i < before.Count; i++)
        {
            Assert.AreEqual(before[i].Path, after[i].Path);
            // Same weights, same inputs; ML.NET's SIMD dot products start their vector loop at the first aligned
            // element, so two separately allocated buffers may sum in a different order: equal to float rounding.
            for (int k = 0; k < before[i].Score.Length; k++)
                Assert.AreEqual(before[i].Score[k], after[i].Score[k], 1e-6f, $"row {i}, class {k}");
        }
        // The model learned something, so identical scores are not identical by accident.
        var predicted = before.Select(r => r.Score[0] > r.Score[1]).ToList();
        Assert.IsTrue(predicted.Distinct().Count() == 2, "scores separate the two classes");
    }

    [TestMethod]
    public void MlNetsOwnSaveRefusesWithAPointerToSaveMaMA()
    {
        var ml = new MLContext(seed: 1);
        var (model, data) = TrainPipeline(ml);
        var e = Assert.Throws<Exception>(() => ml.Model.Save(model, data.Schema, Path.Combine(_folder, "plain.zip")));
        StringAssert.Contains(e.ToString(), "SaveMaMA");
    }

    [TestMethod]
    public void FilesThatAreNotMaMAModelsAreRejectedClearly()
    {
        var ml = new MLContext(seed: 1);
        string notZip = Path.Combine(_folder, "not-a-model.zip");
        File.WriteAllText(notZip, "hello");
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ml.Model.LoadMaMA(notZip));
        StringAssert.Contains(e.Message, notZip);

        // An ML.NET model file is a zip but has no stages.json.
        string mlnet = Path.Combine(_folder, "mlnet.zip");
        var data = ml.Data.LoadFromEnumerable(_rows);
        ml.Model.Save(ml.Transforms.Conversion.MapValueToKey("Label").Fit(data), data.Schema, mlnet);
        e = Assert.ThrowsExactly<InvalidDataException>(() => ml.Model.LoadMaMA(mlnet));
        StringAssert.Contains(e.Message, "stages.json");
    }
}
