using MaMA.MLNet.Components;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Preprocessing;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Pretraining;
using MaMA.MLNet.Samples;
using MaMA.MLNet.Tests.Components.Support;
using MaMA.MLNet.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace MaMA.MLNet.Tests.Components;

[TestClass]
public sealed class PretrainingEstimatorTests
{
    private const long Seed = 11;

    private sealed class Embedded
    {
        public string Path { get; set; } = "";
        public float[] Embedding { get; set; } = [];
    }

    /// <summary>Reports on the caller's thread (System.Progress would post to the thread pool).</summary>
    private sealed class Immediate<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    private sealed record FittedRun(MaMAPretrainingTransformer Model, IDataView Images, List<LoggingEventArgs> Log, List<TrainingProgress> Reported);

    // One 3-step run shared by the tests that only look at its result (a run takes a few seconds).
    private static readonly Lazy<FittedRun> Shared = new(() =>
    {
        var ml = new MLContext(seed: 1);
        var log = new List<LoggingEventArgs>();
        ml.Log += (_, e) => { lock (log) log.Add(e); };
        var reported = new List<TrainingProgress>();
        var options = PretrainingFixture.Options(PretrainingFixture.NewOutputFolder("shared"), steps: 3);
        options.Seed = Seed;
        options.LogEverySteps = 2;
        options.Progress = new Immediate<TrainingProgress>(reported.Add);
        var images = PretrainingFixture.LoadImages(ml);
        var model = ml.Transforms.MaMAPretraining(options).Fit(images);
        return new FittedRun(model, images, log, reported);
    });

    private static float[] EncodeIndependently(MaMAModel model, IEnumerable<string> paths)
    {
        // The reference path: the reader and preprocessor called directly, not through LoadMammograms.
        var preprocessor = new MammogramPreprocessor(PretrainingFixture.Preprocessing);
        var pixels = paths.Select(p => preprocessor.Preprocess(MammogramReader.Read(p))).ToList();
        int s = PretrainingFixture.ImageSize;
        using var scope = NewDisposeScope();
        model.eval();
        return model.EncodeImages(tensor(pixels.SelectMany(p => p).ToArray(), [pixels.Count, 3, s, s])).Embedding.contiguous().data<float>().ToArray();
    }

    [TestMethod]
    public void FitTrainsTheAskedStepsAndSavesAModelDirectory()
    {
        var run = Shared.Value;
        var result = run.Model.Result;
        Assert.AreEqual(TrainingStopReason.Completed, result.Training.StopReason);
        Assert.AreEqual(3, result.Training.Step);
        Assert.IsTrue(File.Exists(Path.Combine(run.Model.ModelDirectory, MaMAModelDirectory.ConfigFile)), run.Model.ModelDirectory);
        // Three steps, then the run's end record.
        Assert.HasCount(4, File.ReadAllLines(result.LogPath));
        StringAssert.Contains(File.ReadAllLines(result.LogPath)[^1], "\"type\":\"end\"");
        Assert.HasCount(3, run.Model.History);
        CollectionAssert.AreEqual(new long[] { 1, 2, 3 }, run.Model.History.Select(h => h.Step).ToArray());
        Assert.IsTrue(run.Model.FinalLosses.ContainsKey("image_text"), string.Join(",", run.Model.FinalLosses.Keys));
        foreach (var step in run.Model.History) Assert.IsTrue(double.IsFinite(step.TotalLoss) && step.TotalLoss > 0, $"step {step.Step}: {step.TotalLoss}");
        // The caller's progress saw the same reports.
        CollectionAssert.AreEqual(run.Model.History.ToList(), run.Reported);
    }

    [TestMethod]
    public void TransformGivesUnitEmbeddingsEqualToTheSavedModelOnIndependentlyReadImages()
    {
        var run = Shared.Value;
        var ml = new MLContext(seed: 1);
        var rows = ml.Data.CreateEnumerable<Embedded>(run.Model.Transform(run.Images), reuseRowObject: false).ToList();
        Assert.HasCount(8, rows);

        using var trained = MaMAModelDirectory.Load(run.Model.ModelDirectory).Model;
        var expected = EncodeIndependently(trained, rows.Select(r => r.Path));
        int e = TinyMaMAModel.Config().EmbeddingSize;
        for (int r = 0; r < rows.Count; r++)
        {
            Assert.HasCount(e, rows[r].Embedding);
            for (int i = 0; i < e; i++) Assert.AreEqual(expected[r * e + i], rows[r].Embedding[i], 1e-5f, $"row {r} dim {i}");
            Assert.AreEqual(1.0, Math.Sqrt(rows[r].Embedding.Sum(v => (double)v * v)), 1e-5);
        }

        // Training moved the weights: the model the run started from (same seed, same config) embeds differently.
        TorchRuntime.Seed(Seed);
        using var initial = new MaMAModel(TinyMaMAModel.Config(PretrainingFixture.ImageSize));
        var before = EncodeIndependently(initial, rows.Select(r => r.Path));
        double largest = before.Zip(expected, (a, b) => Math.Abs(a - b)).Max();
        Assert.IsGreaterThan(1e-4, largest, "the returned model equals its initialisation");
    }

    [TestMethod]
    public void MLContextLogReceivesTheStartStepAndEndLines()
    {
        var lines = Shared.Value.Log.Where(e => e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Info && e.Source.Contains(MaMAPretrainingEstimator.ComponentName))
            .Select(e => e.RawMessage).ToList();
        Assert.IsTrue(lines.Any(l => l.StartsWith("MaMA pretraining: 8 images in 2 studies, structured captions", StringComparison.Ordinal)), string.Join("\n", lines));
        // LogEverySteps = 2 over 3 steps: the first, the second and the last.
        var steps = lines.Where(l => l.StartsWith("step ", StringComparison.Ordinal)).ToList();
        Assert.HasCount(3, steps, string.Join("\n", lines));
        StringAssert.StartsWith(steps[0], "step 1/3: loss ");
        StringAssert.Contains(steps[0], "image_text ");
        StringAssert.StartsWith(steps[2], "step 3/3: loss ");
        Assert.IsTrue(lines.Any(l => l.StartsWith("MaMA pretraining completed at step 3", StringComparison.Ordinal)), string.Join("\n", lines));
    }

    [TestMethod]
    public void SaveMaMAAndLoadMaMAGiveAnImageEmbeddingStageThatEmbedsIdentically()
    {
        var run = Shared.Value;
        var ml = new MLContext(seed: 1);
        string file = PretrainingFixture.NewOutputFolder("saved") + ".mama.zip";
        ml.Model.SaveMaMA(run.Model, run.Images.Schema, file);
        var loaded = new MLContext(seed: 2).Model.LoadMaMA(file);
        Assert.IsInstanceOfType<ImageEmbeddingTransformer>(((TransformerChain<ITransformer>)loaded).Single());
        var before = ml.Data.CreateEnumerable<Embedded>(run.Model.Transform(run.Images), false).ToList();
        var after = ml.Data.CreateEnumerable<Embedded>(loaded.Transform(run.Images), false).ToList();
        Assert.HasCount(before.Count, after);
        for (int r = 0; r < before.Count; r++) CollectionAssert.AreEqual(before[r].Embedding, after[r].Embedding, $"row {r}");
    }

    // ML.NET keeps SchemaShape.Create internal (as in LoadMammogramsTests).
    private static SchemaShape Shape(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic)!
            .Invoke(null, [schema])!;

    [TestMethod]
    public void InAPipelineAfterLoadMammogramsTheSavedChainEmbedsRawRowsLikeTheFittedOne()
    {
        var ml = new MLContext(seed: 1);
        var rows = ml.Data.LoadFromEnumerable(PretrainingFixture.Rows);
        var options = PretrainingFixture.Options(PretrainingFixture.NewOutputFolder("chain"), steps: 1);
        var pipeline = ml.Transforms.LoadMammograms("Image", "Path", new LoadMammogramsOptions { Preprocessing = PretrainingFixture.Preprocessing })
            .Append(ml.Transforms.MaMAPretraining(options));
        var model = pipeline.Fit(rows);
        Assert.AreEqual(1, model.LastTransformer.Result.Training.Step);

        string file = PretrainingFixture.NewOutputFolder("chain-saved") + ".mama.zip";
        ml.Model.SaveMaMA(model, rows.Schema, file);
        var loaded = (TransformerChain<ITransformer>)new MLContext(seed: 2).Model.LoadMaMA(file);
        Assert.HasCount(2, loaded.ToList());
        var before = ml.Data.CreateEnumerable<Embedded>(model.Transform(rows), false).ToList();
        var after = ml.Data.CreateEnumerable<Embedded>(loaded.Transform(rows), false).ToList();
        Assert.HasCount(8, after);
        for (int r = 0; r < before.Count; r++) CollectionAssert.AreEqual(before[r].Embedding, after[r].Embedding, $"row {r}");
        model.LastTransformer.Dispose();
    }

    [TestMethod]
    public void WrongColumnsFailBeforeTrainingAndNameTheColumn()
    {
        var ml = new MLContext(seed: 1);
        var images = PretrainingFixture.LoadImages(ml);
        string output = PretrainingFixture.NewOutputFolder("wrong");

        void Expect(string column, string fragment, Action<MaMAPretrainingEstimator.Options> change, IDataView? data = null)
        {
            var options = PretrainingFixture.Options(output, steps: 1);
            change(options);
            var estimator = ml.Transforms.MaMAPretraining(options);
            var fit = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(data ?? images));
            StringAssert.Contains(fit.Message, $"'{column}'");
            StringAssert.Contains(fit.Message, fragment);
            var shape = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(Shape((data ?? images).Schema)));
            StringAssert.Contains(shape.Message, $"'{column}'");
        }

        // Age read from a vector column, the path from the Single Age column, a missing study column, images of the wrong side.
        Expect("Image", "Schema mismatch", o => o.Metadata.Age = "Image");
        Expect("Age", "expected Text, got Single", o => o.ImagePathColumnName = "Age");
        Expect("StudyId", "not found", o => o.StudyIdColumnName = "StudyId",
            ml.Transforms.DropColumns("StudyId").Fit(images).Transform(images));
        var wrongSize = PretrainingFixture.LoadImages(ml, imageSize: 28);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.MaMAPretraining(PretrainingFixture.Options(output, 1)).Fit(wrongSize));
        StringAssert.Contains(ex.Message, "'Image' holds 28 x 28 images but the model trains at 56 x 56");
        Assert.IsFalse(Directory.Exists(output), "nothing was trained");
    }

    [TestMethod]
    public void ABadMetadataValueNamesTheRowAndColumn()
    {
        var ml = new MLContext(seed: 1);
        var rows = PretrainingFixture.Rows;
        rows[5].Laterality = "Q";
        var data = ml.Data.LoadFromEnumerable(rows);
        var images = ml.Transforms.LoadMammograms("Image", "Path", new LoadMammogramsOptions { Preprocessing = PretrainingFixture.Preprocessing }).Fit(data).Transform(data);
        var ex = Assert.ThrowsExactly<PretrainingDataException>(() =>
            ml.Transforms.MaMAPretraining(PretrainingFixture.Options(PretrainingFixture.NewOutputFolder("bad"), 1)).Fit(images));
        Assert.AreEqual(5, ex.Row);
        Assert.AreEqual("Laterality", ex.Column);
        StringAssert.Contains(ex.Message, "'Q' is not L, R or B");
    }

    [TestMethod]
    public void CancellationStopsAfterTheCurrentStepAndStillReturnsTheModel()
    {
        var ml = new MLContext(seed: 1);
        var log = new List<string>();
        ml.Log += (_, e) => { if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Info) lock (log) log.Add(e.RawMessage); };
        using var cancel = new CancellationTokenSource();
        var options = PretrainingFixture.Options(PretrainingFixture.NewOutputFolder("cancel"), steps: 50);
        options.CancellationToken = cancel.Token;
        options.Progress = new Immediate<TrainingProgress>(p => { if (p.Step == 2) cancel.Cancel(); });
        using var model = ml.Transforms.MaMAPretraining(options).Fit(PretrainingFixture.LoadImages(ml));
        Assert.AreEqual(TrainingStopReason.Cancelled, model.Result.Training.StopReason);
        Assert.AreEqual(2, model.Result.Training.Step);
        Assert.HasCount(2, model.History);
        Assert.IsTrue(File.Exists(Path.Combine(model.ModelDirectory, MaMAModelDirectory.ConfigFile)));
        Assert.IsTrue(log.Any(l => l.StartsWith("MaMA pretraining cancelled at step 2", StringComparison.Ordinal)), string.Join("\n", log));
    }

    [TestMethod]
    public void TheSeedComesFromTheMLContextUnlessGiven()
    {
        // Cancelled before the first step: the run saves its seeded initial model, which is all this test needs.
        (string SeedLine, byte[] Weights) Run(int contextSeed, long? seed)
        {
            var ml = new MLContext(seed: contextSeed);
            var lines = new List<string>();
            ml.Log += (_, e) => { if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Info) lock (lines) lines.Add(e.RawMessage); };
            var options = PretrainingFixture.Options(PretrainingFixture.NewOutputFolder("seed"), steps: 5);
            options.Seed = seed;
            options.CancellationToken = new CancellationToken(canceled: true);
            using var model = ml.Transforms.MaMAPretraining(options).Fit(PretrainingFixture.LoadImages(ml));
            Assert.AreEqual(0, model.Result.Training.Step);
            string start = lines.Single(l => l.StartsWith("MaMA pretraining: ", StringComparison.Ordinal));
            string seedPart = start.Split(", ").Single(p => p.StartsWith("seed ", StringComparison.Ordinal));
            return (seedPart, File.ReadAllBytes(Path.Combine(model.ModelDirectory, MaMAModelDirectory.WeightsFile)));
        }

        var a = Run(3, null);
        var b = Run(3, null);
        var c = Run(4, null);
        Assert.AreEqual(a.SeedLine, b.SeedLine);
        CollectionAssert.AreEqual(a.Weights, b.Weights, "the same MLContext seed gives the same initial model");
        Assert.AreNotEqual(a.SeedLine, c.SeedLine);
        CollectionAssert.AreNotEqual(a.Weights, c.Weights, "another MLContext seed gives another model");
        var explicit3 = Run(3, Seed);
        var explicit4 = Run(4, Seed);
        Assert.AreEqual($"seed {Seed}", explicit3.SeedLine);
        CollectionAssert.AreEqual(explicit3.Weights, explicit4.Weights, "an explicit seed overrides the MLContext's");
    }

    [TestMethod]
    public void TheImageNetResNetPresetStartsFromThePackagedWeightsWithTheRecipesFrozenStagesOrSaysWhatIsMissing()
    {
        // This test project does not carry ML.NET's ResNet18 file, so the preset alone is an error that names the package
        // (before this check the estimator trained the preset from random weights without a word).
        var preset = new MaMAPretrainingEstimator.Options { Preset = "resnet18-imagenet", OutputDirectory = "unused" };
        var missing = Assert.ThrowsExactly<ArgumentException>(preset.Validate);
        StringAssert.Contains(missing.Message, "Microsoft.ML.DnnImageFeaturizer.ResNet18");
        Assert.AreEqual(nameof(MaMAPretrainingEstimator.Options.ImageEncoderOnnxWeights), missing.ParamName);

        // A weights file given: it starts the encoder and the recipe's stages stay frozen unless the caller says otherwise.
        preset.ImageEncoderOnnxWeights = "resnet18.onnx";
        var run = preset.ToRunOptions(seed: 1);
        Assert.AreEqual("resnet18.onnx", run.ImageEncoderOnnxWeights);
        Assert.AreEqual(MaMAPretrainingOptions.DefaultResNetFrozenStages, run.FreezeImageStages);
        Assert.AreEqual(MaMAPretrainingOptions.ResNet18ImageNet("unused", "x.onnx").FreezeImageStages, run.FreezeImageStages, "the same default as the recipe");
        preset.FreezeImageStages = 0;
        Assert.AreEqual(0, preset.ToRunOptions(seed: 1).FreezeImageStages);

        // The ViT presets have neither.
        var tiny = new MaMAPretrainingEstimator.Options { Preset = "tiny", OutputDirectory = "unused" }.ToRunOptions(seed: 1);
        Assert.IsNull(tiny.ImageEncoderOnnxWeights);
        Assert.AreEqual(0, tiny.FreezeImageStages);
    }
}
