using MaMA.MLNet.Components;
using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Tests.Components.Support;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.Tests.Components;

[TestClass]
public sealed class ZeroShotTransformerTests
{
    private sealed class Scored
    {
        public string Label { get; set; } = "";
        public float[] Embedding { get; set; } = [];
        public float[] Score { get; set; } = [];
        public uint PredictedLabel { get; set; }
    }

    private sealed class BinaryScored
    {
        public bool Positive { get; set; }
        public float Score { get; set; }
        public float Probability { get; set; }
        public bool PredictedLabel { get; set; }
    }

    private sealed class Prompt
    {
        public string Text { get; set; } = "";
    }

    private static readonly ZeroShotClass[] Classes =
    [
        new() { Name = "A", Prompts = ["Fatty breast.", "The breast is almost entirely fatty."] },
        new() { Name = "B", Prompts = ["Scattered fibroglandular densities."] },
        new() { Name = "C", Prompts = ["Heterogeneously dense breast.", "Dense tissue; may obscure masses."] },
        new() { Name = "D", Prompts = ["Extremely dense breast."] },
    ];

    [TestMethod]
    public void ScoresAreTheSoftmaxOfScaledCosinesWithPromptEnsembledClassEmbeddings()
    {
        var ml = new MLContext(seed: 1);
        var images = ComponentFixture.LoadImages(ml);
        var pipeline = ml.Transforms.MaMAImageEmbedding(ComponentFixture.ModelDirectory)
            .Append(ml.MulticlassClassification.Trainers.MaMAZeroShot(ComponentFixture.ModelDirectory, Classes));
        var rows = ml.Data.CreateEnumerable<Scored>(pipeline.Fit(images).Transform(images), reuseRowObject: false).ToList();

        // Reference: class embeddings from the text embedding transformer, averaged and normalised here.
        var prompts = Classes.SelectMany(c => c.Prompts.Select(p => new Prompt { Text = p })).ToList();
        var promptData = ml.Data.LoadFromEnumerable(prompts);
        var promptEmbeddings = ml.Transforms.MaMATextEmbedding(ComponentFixture.ModelDirectory).Fit(promptData).Transform(promptData)
            .GetColumn<float[]>("TextEmbedding").ToList();
        var classEmbeddings = new List<double[]>();
        int offset = 0;
        foreach (var c in Classes)
        {
            var mean = Enumerable.Range(0, promptEmbeddings[0].Length).Select(i => promptEmbeddings.Skip(offset).Take(c.Prompts.Count).Average(e => (double)e[i])).ToArray();
            double norm = Math.Sqrt(mean.Sum(v => v * v));
            classEmbeddings.Add(mean.Select(v => v / norm).ToArray());
            offset += c.Prompts.Count;
        }
        double scale = Math.Exp(Math.Log(1 / 0.07)); // a fresh model's logit_scale is log(1/0.07)
        foreach (var row in rows)
        {
            var logits = classEmbeddings.Select(c => scale * c.Zip(row.Embedding, (a, b) => a * b).Sum()).ToArray();
            double max = logits.Max();
            var exp = logits.Select(l => Math.Exp(l - max)).ToArray();
            for (int k = 0; k < 4; k++) Assert.AreEqual(exp[k] / exp.Sum(), row.Score[k], 1e-4);
            Assert.AreEqual((uint)(Array.IndexOf(row.Score, row.Score.Max()) + 1), row.PredictedLabel);
        }
    }

    [TestMethod]
    public void MlNetsMulticlassEvaluatorReadsTheOutputAndAgreesWithACountByHand()
    {
        var ml = new MLContext(seed: 1);
        var images = ComponentFixture.LoadImages(ml);
        var keyData = ml.Data.LoadFromEnumerable(ZeroShotPrompts.ClassNames(ZeroShotTask.Density).Select(n => new { Label = n }));
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", keyData: keyData)
            .Append(ml.MulticlassClassification.Trainers.MaMAZeroShot(ComponentFixture.ModelDirectory, ZeroShotTask.Density));
        var scored = pipeline.Fit(images).Transform(images);
        var metrics = ml.MulticlassClassification.Evaluate(scored);

        var predicted = scored.GetColumn<uint>("PredictedLabel").ToList();
        var labels = scored.GetColumn<uint>("Label").ToList();
        double accuracy = predicted.Zip(labels, (p, l) => p == l ? 1.0 : 0.0).Average();
        Assert.AreEqual(accuracy, metrics.MicroAccuracy, 1e-9);
        Assert.AreEqual(4, metrics.PerClassLogLoss.Count);

        VBuffer<ReadOnlyMemory<char>> keyValues = default;
        scored.Schema["PredictedLabel"].GetKeyValues(ref keyValues);
        CollectionAssert.AreEqual(new[] { "A", "B", "C", "D" }, keyValues.DenseValues().Select(v => v.ToString()).ToArray());
    }

    [TestMethod]
    public void TheBinaryCancerOutputFeedsMlNetsBinaryEvaluator()
    {
        var ml = new MLContext(seed: 1);
        var images = ComponentFixture.LoadImages(ml);
        var scored = ml.BinaryClassification.Trainers.MaMAZeroShotCancer(ComponentFixture.ModelDirectory).Fit(images).Transform(images);
        var metrics = ml.BinaryClassification.Evaluate(scored, labelColumnName: "Positive");
        var rows = ml.Data.CreateEnumerable<BinaryScored>(scored, reuseRowObject: false).ToList();

        Assert.AreEqual(rows.Average(r => r.PredictedLabel == r.Positive ? 1.0 : 0.0), metrics.Accuracy, 1e-9);
        foreach (var r in rows)
        {
            Assert.AreEqual(1 / (1 + Math.Exp(-r.Score)), r.Probability, 1e-5, "probability is the sigmoid of the logit margin");
            Assert.AreEqual(r.Probability > 0.5f, r.PredictedLabel);
        }
        // AUC by hand: the fraction of (positive, negative) pairs ranked correctly, ties counting half.
        var pos = rows.Where(r => r.Positive).Select(r => r.Score).ToList();
        var neg = rows.Where(r => !r.Positive).Select(r => r.Score).ToList();
        double auc = pos.SelectMany(p => neg.Select(n => p > n ? 1.0 : p == n ? 0.5 : 0.0)).Average();
        Assert.AreEqual(auc, metrics.AreaUnderRocCurve, 1e-9);
    }

    [TestMethod]
    public void BadClassSetsAreRejected()
    {
        var ml = new MLContext(seed: 1);
        var trainers = ml.MulticlassClassification.Trainers;
        Assert.ThrowsExactly<ArgumentException>(() => trainers.MaMAZeroShot(ComponentFixture.ModelDirectory, [Classes[0]]));
        Assert.ThrowsExactly<ArgumentException>(() => trainers.MaMAZeroShot(ComponentFixture.ModelDirectory,
            [Classes[0], new ZeroShotClass { Name = "empty" }]));
        Assert.ThrowsExactly<ArgumentException>(() => ml.BinaryClassification.Trainers.MaMAZeroShotCancer(ComponentFixture.ModelDirectory,
            options: new ZeroShotOptions { Classes = [.. Classes] }));
    }
}
