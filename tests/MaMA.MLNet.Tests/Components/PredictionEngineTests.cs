using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Tests.Components.Support;
using Microsoft.ML;

namespace MaMA.MLNet.Tests.Components;

/// <summary>Single predictions through ML.NET's PredictionEngine give what the batched Transform gives.</summary>
[TestClass]
public sealed class PredictionEngineTests
{
    private sealed class Input
    {
        public string Path { get; set; } = "";
    }

    private sealed class Output
    {
        public string Path { get; set; } = "";
        public float[] Embedding { get; set; } = [];
        public float[] Score { get; set; } = [];
        public uint PredictedLabel { get; set; }
    }

    [TestMethod]
    public void APredictionEngineOverLoaderEmbeddingAndZeroShotMatchesTheBatchedTransform()
    {
        var ml = new MLContext(seed: 1);
        var inputs = ComponentFixture.Rows.Select(r => new Input { Path = r.Path }).ToList();
        var data = ml.Data.LoadFromEnumerable(inputs);
        var model = ml.Transforms.LoadMammograms("Image", "Path", ComponentFixture.LoaderOptions)
            .Append(ml.Transforms.MaMAImageEmbedding(ComponentFixture.ModelDirectory, "Embedding", "Image"))
            .Append(ml.MulticlassClassification.Trainers.MaMAZeroShot(ComponentFixture.ModelDirectory, ZeroShotTask.Density, "Image"))
            .Fit(data);
        var batched = ml.Data.CreateEnumerable<Output>(model.Transform(data), reuseRowObject: false).ToList();

        using var engine = ml.Model.CreatePredictionEngine<Input, Output>(model);
        for (int i = 0; i < inputs.Count; i++)
        {
            var single = engine.Predict(inputs[i]);
            Assert.AreEqual(batched[i].Path, single.Path);
            Assert.AreEqual(batched[i].PredictedLabel, single.PredictedLabel, $"row {i}");
            for (int k = 0; k < single.Embedding.Length; k++) Assert.AreEqual(batched[i].Embedding[k], single.Embedding[k], 1e-5f, $"row {i} embedding {k}");
            for (int k = 0; k < single.Score.Length; k++) Assert.AreEqual(batched[i].Score[k], single.Score[k], 1e-5f, $"row {i} score {k}");
        }
        Assert.IsGreaterThan(1, batched.Select(b => string.Join(",", b.Embedding.Take(4))).Distinct().Count(), "rows differ");
    }
}
