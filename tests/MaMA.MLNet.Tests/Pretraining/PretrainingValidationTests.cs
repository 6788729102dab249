using System.Text.Json;
using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Preprocessing;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Pretraining;
using MaMA.MLNet.Samples;
using MaMA.MLNet.Tests.Components.Support;
using static TorchSharp.torch;

namespace MaMA.MLNet.Tests.Pretraining;

/// <summary>Held-out validation during pretraining, and the exact feature-norm statistics of the saved model.</summary>
[TestClass]
public sealed class PretrainingValidationTests
{
    private static MaMAPretrainingOptions Options(string name, long steps) => new()
    {
        OutputDirectory = PretrainingFixture.NewOutputFolder(name),
        Config = TinyMaMAModel.Config(PretrainingFixture.ImageSize) with { GlobalImageFeatureNorm = true },
        TrainWholeTextEncoder = true,
        TokenizerDirectory = PretrainingFixture.TokenizerDirectory,
        Steps = steps,
        BatchSize = 4,
        WarmupSteps = 1,
        LateStartStep = 2,
        CheckpointEvery = 0,
        PrefetchWorkers = 1,
        ValidateEvery = 2,
    };

    private static double Read(JsonElement e) => e.ValueKind == JsonValueKind.String
        ? double.Parse(e.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : e.GetDouble();

    [TestMethod]
    public void SelectByKeepsTheWeightsOfTheBestValidationStep()
    {
        var records = PretrainingFixture.Records;
        var selected = MaMAPretraining.Run(records, Options("select", 6) with { SelectBy = ValidationMetrics.ImageToTextTop1 }, validationRecords: records);

        // The step is the first maximum of the logged metric, read here from the log.
        var logged = File.ReadLines(selected.LogPath).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("type").GetString() == "validation")
            .Select(e => (Step: e.GetProperty("step").GetInt64(), Value: Read(e.GetProperty("metrics").GetProperty(ValidationMetrics.ImageToTextTop1)))).ToList();
        CollectionAssert.AreEqual(new long[] { 2, 4, 6 }, logged.Select(x => x.Step).ToArray());
        long expected = logged.First(x => x.Value == logged.Max(y => y.Value)).Step;
        Assert.AreEqual(expected, selected.SelectedStep);

        // The same run stopped at that step (same schedule: cancelled, not shortened) saves the same weights.
        using var cancel = new CancellationTokenSource();
        var stopped = MaMAPretraining.Run(records, Options("stopped", 6), validationRecords: records,
            new StopAt(expected, cancel), cancel.Token);
        Assert.AreEqual(expected, stopped.Training.Step);
        using var a = MaMAModelDirectory.Load(selected.ModelDirectory).Model;
        using var b = MaMAModelDirectory.Load(stopped.ModelDirectory).Model;
        var other = b.state_dict();
        foreach (var (name, tensor) in a.state_dict())
            Assert.IsTrue(tensor.eq(other[name]).all().item<bool>(), $"{name} differs from the run stopped at step {expected}");
        Assert.IsNull(stopped.SelectedStep);
    }

    private sealed class StopAt(long step, CancellationTokenSource cancel) : IProgress<MaMA.MLNet.Training.TrainingProgress>
    {
        public void Report(MaMA.MLNet.Training.TrainingProgress value)
        {
            if (value.Step >= step) cancel.Cancel();
        }
    }

    [TestMethod]
    public void ValidationIsLoggedEveryNStepsAndTheSavedNormHoldsTheTrainingImagesStatistics()
    {
        var records = PretrainingFixture.Records;
        var options = Options("validation", 4);
        var result = MaMAPretraining.Run(records, options, validationRecords: records);

        var validations = File.ReadLines(result.LogPath).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("type").GetString() == "validation").ToList();
        CollectionAssert.AreEqual(new long[] { 2, 4 }, validations.Select(v => v.GetProperty("step").GetInt64()).ToArray());
        int distinct = records.Select(r => new StructuredCaptionBuilder(1.0).Build(r, new Random(0))).Distinct(StringComparer.Ordinal).Count();
        foreach (var v in validations)
        {
            var m = v.GetProperty("metrics");
            // The log writes a non-finite value as a string ("NaN": an AUC needs both classes among 8 images).
            foreach (var name in new[] { ValidationMetrics.DensityBalancedAccuracy, ValidationMetrics.ImageToTextTop1, ValidationMetrics.ImageToClinicalTextTop1, ValidationMetrics.DensityRetrievalPrecisionAt1 })
            {
                double value = Read(m.GetProperty(name));
                Assert.IsTrue(value is >= 0 and <= 1, $"{name} = {value}");
            }
            double auc = Read(m.GetProperty(ValidationMetrics.DensityAuc));
            Assert.IsTrue(double.IsNaN(auc) || auc is >= 0 and <= 1, $"density AUC = {auc}");
            Assert.AreEqual(distinct, Read(m.GetProperty(ValidationMetrics.DistinctClinicalCaptions)));
        }

        // The saved norm's statistics: the exact mean and variance of the training images' pooled features, eval transform.
        using var model = MaMAModelDirectory.Load(result.ModelDirectory).Model;
        model.eval();
        using var scope = NewDisposeScope();
        int s = PretrainingFixture.ImageSize;
        var preprocessor = new MammogramPreprocessor(new PreprocessingOptions { ImageSize = s });
        var pixels = records.SelectMany(r => preprocessor.Preprocess(MammogramReader.Read(r.ImagePath))).ToArray();
        Tensor pooled;
        using (no_grad()) pooled = model.ImageEncoder.Backbone.forward(tensor(pixels, [records.Count, 3, s, s])).PooledFeature;
        var norm = model.ImageEncoder.GlobalNorm!;
        var mean = pooled.mean([0]).data<float>().ToArray();
        var variance = pooled.var(0, unbiased: true).data<float>().ToArray();
        var savedMean = norm.RunningMean.data<float>().ToArray();
        var savedVariance = norm.RunningVariance.data<float>().ToArray();
        for (int d = 0; d < mean.Length; d++)
        {
            Assert.AreEqual(mean[d], savedMean[d], 1e-5 + 1e-4 * Math.Abs(mean[d]), $"mean {d}");
            Assert.AreEqual(variance[d], savedVariance[d], 1e-7 + 1e-3 * variance[d], $"variance {d}");
        }
    }
}
