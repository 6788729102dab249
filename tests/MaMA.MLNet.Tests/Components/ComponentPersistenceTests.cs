using MaMA.MLNet.Components;
using MaMA.MLNet.Tests.Components.Support;
using Microsoft.ML;

namespace MaMA.MLNet.Tests.Components;

[TestClass]
public sealed class ComponentPersistenceTests
{
    private sealed class Scored
    {
        public string Path { get; set; } = "";
        public float[] Score { get; set; } = [];
    }

    private sealed class ZeroShotScored
    {
        public float[] Score { get; set; } = [];
    }

    [TestMethod]
    public void LoadMammogramsThenEmbeddingThenAnMlNetTrainerPredictsIdenticallyAfterSaveAndLoad()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(ComponentFixture.Rows);
        var pipeline = ml.Transforms.LoadMammograms("Image", "Path", ComponentFixture.LoaderOptions)
            .Append(ml.Transforms.MaMAImageEmbedding(ComponentFixture.ModelDirectory, options: new ImageEmbeddingOptions { BatchSize = 4 }))
            .Append(ml.Transforms.Conversion.MapValueToKey("Label"))
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(featureColumnName: "Embedding", l1Regularization: 0, l2Regularization: 1e-4f));
        var model = pipeline.Fit(data);
        string file = Path.Combine(ComponentFixture.NewTempFolder("persist"), "pipeline.mama.zip");
        ml.Model.SaveMaMA(model, data.Schema, file);

        var fresh = new MLContext(seed: 99);
        var loaded = fresh.Model.LoadMaMA(file);
        var before = ml.Data.CreateEnumerable<Scored>(model.Transform(data), reuseRowObject: false).ToList();
        var after = fresh.Data.CreateEnumerable<Scored>(loaded.Transform(fresh.Data.LoadFromEnumerable(ComponentFixture.Rows)), reuseRowObject: false).ToList();
        Assert.HasCount(before.Count, after);
        // Equal to float rounding: ML.NET's SIMD dot products may sum separately allocated buffers in another order.
        for (int i = 0; i < before.Count; i++)
            for (int k = 0; k < before[i].Score.Length; k++) Assert.AreEqual(before[i].Score[k], after[i].Score[k], 1e-6f, $"row {i}, class {k}");
        Assert.IsGreaterThan(1, before.Select(r => string.Join(",", r.Score)).Distinct().Count(), "rows get different scores");
    }

    [TestMethod]
    public void AZeroShotStageSavesItsPromptsAndModelAndCanBeSavedAgainAfterLoading()
    {
        var ml = new MLContext(seed: 1);
        var images = ComponentFixture.LoadImages(ml);
        var model = ml.MulticlassClassification.Trainers.MaMAZeroShot(ComponentFixture.ModelDirectory, Data.Captions.ZeroShotTask.BiRads).Fit(images);
        string folder = ComponentFixture.NewTempFolder("persist-zs");
        ml.Model.SaveMaMA(model, images.Schema, Path.Combine(folder, "a.zip"));
        var loaded = new MLContext(seed: 2).Model.LoadMaMA(Path.Combine(folder, "a.zip"));
        // The stage folder it came from is gone; saving again must still work (the tokenizer is held in memory).
        ml.Model.SaveMaMA(loaded, images.Schema, Path.Combine(folder, "b.zip"));
        var again = ml.Model.LoadMaMA(Path.Combine(folder, "b.zip"));

        var expected = ml.Data.CreateEnumerable<ZeroShotScored>(model.Transform(images), false).ToList();
        var actual = ml.Data.CreateEnumerable<ZeroShotScored>(again.Transform(images), false).ToList();
        Assert.HasCount(7, expected[0].Score);
        for (int i = 0; i < expected.Count; i++)
            for (int k = 0; k < expected[i].Score.Length; k++) Assert.AreEqual(expected[i].Score[k], actual[i].Score[k], 1e-6f, $"row {i}, class {k}");
    }
}
