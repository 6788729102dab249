using MaMA.MLNet.Components;
using MaMA.MLNet.Tests.Components.Support;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.Tests.Components;

[TestClass]
public sealed class FineTuneTrainerTests
{
    private const int Side = ComponentFixture.ImageSize;

    private sealed class ImageRow
    {
        [VectorType(3 * Side * Side)]
        public float[] Image { get; set; } = [];

        public string Label { get; set; } = "";
    }

    private sealed class Scored
    {
        public float[] Score { get; set; } = [];
        public uint PredictedLabel { get; set; }
    }

    private sealed class Pooled
    {
        public float[] Feature { get; set; } = [];
    }

    /// <summary>Normalised images, "bright" around +0.8 and "dark" around -0.8, with noise; classes interleaved.</summary>
    private static List<ImageRow> BrightAndDark(int count, int seed)
    {
        var random = new Random(seed);
        var rows = new List<ImageRow>();
        for (int i = 0; i < count; i++)
        {
            bool bright = i % 2 == 0;
            var pixels = new float[3 * Side * Side];
            for (int p = 0; p < pixels.Length; p++) pixels[p] = (bright ? 0.8f : -0.8f) + (float)(random.NextDouble() - 0.5);
            rows.Add(new ImageRow { Image = pixels, Label = bright ? "bright" : "dark" });
        }
        return rows;
    }

    private static IEstimator<ITransformer> Keyed(MLContext ml) =>
        ml.Transforms.Conversion.MapValueToKey("Label", keyData: ml.Data.LoadFromEnumerable(new[] { new KeyRow { Label = "bright" }, new KeyRow { Label = "dark" } }));

    private sealed class KeyRow
    {
        public string Label { get; set; } = "";
    }

    private static FineTuneOptions Options(FineTuneMode mode, int steps) => new()
    {
        ModelDirectory = ComponentFixture.ModelDirectory,
        Mode = mode,
        Steps = steps,
        WarmupSteps = 2,
        TrainingBatchSize = 8,
        BatchSize = 8,
        LearningRate = 0.05,
        MinLearningRate = 1e-4,
        Seed = 1,
    };

    [TestMethod]
    public void ALinearProbeSeparatesBrightFromDarkImagesAndTheEvaluatorReadsItsColumns()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(BrightAndDark(24, 1));
        var test = ml.Data.LoadFromEnumerable(BrightAndDark(16, 2));
        var model = Keyed(ml).Append(ml.MulticlassClassification.Trainers.MaMAFineTune(Options(FineTuneMode.LinearProbe, 60))).Fit(train);

        var scored = model.Transform(test);
        var metrics = ml.MulticlassClassification.Evaluate(scored);
        Assert.IsGreaterThanOrEqualTo(0.9, metrics.MacroAccuracy);
        var rows = ml.Data.CreateEnumerable<Scored>(scored, false).ToList();
        foreach (var row in rows) Assert.AreEqual(1.0, row.Score.Sum(), 1e-5);
        // PredictedLabel carries the label's key values.
        var keyValues = default(VBuffer<ReadOnlyMemory<char>>);
        scored.Schema["PredictedLabel"].GetKeyValues(ref keyValues);
        CollectionAssert.AreEqual(new[] { "bright", "dark" }, keyValues.DenseValues().Select(v => v.ToString()).ToArray());
        var last = model.LastTransformer;
        Assert.AreEqual(60, last.History!.StepsRun);
        Assert.IsLessThan(last.History.TrainingLoss[0], last.History.TrainingLoss.TakeLast(5).Average());
    }

    [TestMethod]
    public void ScoresAreTheSoftmaxOfTheHeadAppliedToThePooledFeature()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(BrightAndDark(12, 3));
        var model = Keyed(ml).Append(ml.MulticlassClassification.Trainers.MaMAFineTune(Options(FineTuneMode.LinearProbe, 10))).Fit(data);
        var head = model.LastTransformer.Head;
        var scores = ml.Data.CreateEnumerable<Scored>(model.Transform(data), false).ToList();
        var pooled = ml.Data.CreateEnumerable<Pooled>(ml.Transforms.MaMAImageEmbedding(ComponentFixture.ModelDirectory, "Feature", "Image",
            new ImageEmbeddingOptions { Output = ImageEmbeddingKind.PooledFeature }).Fit(data).Transform(data), false).ToList();
        for (int r = 0; r < scores.Count; r++)
        {
            var logits = new double[head.ClassCount];
            for (int k = 0; k < head.ClassCount; k++)
            {
                logits[k] = head.Bias[k];
                for (int d = 0; d < head.FeatureSize; d++) logits[k] += head.Weight[k * head.FeatureSize + d] * (double)pooled[r].Feature[d];
            }
            double max = logits.Max(), sum = logits.Sum(l => Math.Exp(l - max));
            for (int k = 0; k < head.ClassCount; k++) Assert.AreEqual(Math.Exp(logits[k] - max) / sum, scores[r].Score[k], 1e-4, $"row {r} class {k}");
            Assert.AreEqual((uint)(Array.IndexOf(logits, logits.Max()) + 1), scores[r].PredictedLabel);
        }
        Assert.IsTrue(head.Weight.Any(w => w != 0), "the head was trained");
    }

    [TestMethod]
    public void AFullyFineTunedClassifierChangesTheEncoderAndPredictsIdenticallyAfterSaveAndLoad()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(BrightAndDark(8, 4));
        var model = Keyed(ml).Append(ml.MulticlassClassification.Trainers.MaMAFineTune(Options(FineTuneMode.FullFineTune, 3))).Fit(data);
        string file = Path.Combine(ComponentFixture.NewTempFolder("finetune"), "classifier.mama.zip");
        ml.Model.SaveMaMA(model, data.Schema, file);
        var loaded = new MLContext(seed: 5).Model.LoadMaMA(file);

        var before = ml.Data.CreateEnumerable<Scored>(model.Transform(data), false).ToList();
        var after = ml.Data.CreateEnumerable<Scored>(loaded.Transform(data), false).ToList();
        for (int i = 0; i < before.Count; i++)
        {
            CollectionAssert.AreEqual(before[i].Score, after[i].Score, $"row {i}");
            Assert.AreEqual(before[i].PredictedLabel, after[i].PredictedLabel);
        }

        // The saved encoder is the fine-tuned one: its pooled features differ from the original model's.
        string folder = ComponentFixture.NewTempFolder("finetune-model");
        model.LastTransformer.Model.Save(folder);
        float[] Feature(string directory) => ml.Data.CreateEnumerable<Pooled>(ml.Transforms.MaMAImageEmbedding(directory, "Feature", "Image",
            new ImageEmbeddingOptions { Output = ImageEmbeddingKind.PooledFeature }).Fit(data).Transform(data), false).First().Feature;
        var tuned = Feature(folder);
        var original = Feature(ComponentFixture.ModelDirectory);
        Assert.IsGreaterThan(1e-6, tuned.Zip(original, (a, b) => Math.Abs(a - b)).Max());
    }

    [TestMethod]
    public void AProbeWithAValidationSplitKeepsTheBestValidationLossAndCanStopEarly()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(BrightAndDark(20, 5));
        var options = Options(FineTuneMode.LinearProbe, 400);
        (options.ValidationFraction, options.ValidationInterval, options.Patience) = (0.25, 5, 2);
        var model = Keyed(ml).Append(ml.MulticlassClassification.Trainers.MaMAFineTune(options)).Fit(data);
        var history = model.LastTransformer.History!;
        Assert.IsNotNull(history.BestValidationLoss);
        Assert.IsLessThanOrEqualTo(history.StepsRun, history.BestStep);
        Assert.AreEqual(0, history.BestStep % 5, "validation runs every 5 steps");
        if (history.StoppedEarly) Assert.AreEqual(history.BestStep + 2 * 5, history.StepsRun, "stops after patience x interval steps without improvement");
        else Assert.AreEqual(400, history.StepsRun);
    }

    [TestMethod]
    public void ALabelThatIsNotAKeyIsRefusedWithItsName()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(BrightAndDark(4, 6));
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.MaMAFineTune(Options(FineTuneMode.LinearProbe, 5)).Fit(data));
        StringAssert.Contains(error.Message, "'Label'");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.MaMAFineTune(new FineTuneOptions { ModelDirectory = "x", Steps = 0 }));
    }
}
