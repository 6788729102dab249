using MaMA.MLNet.Components;
using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Preprocessing;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Tests.Components.Support;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.Tests.Components;

/// <summary>
/// The seams where a model meets its input: the image size and normalisation come from the model or a mismatch is
/// refused naming both; a model folder without a tokenizer falls back to GPT-2's as the tool does; zero-shot can read
/// an embedding column so the encoder runs once; a saved pipeline gives back its input schema.
/// </summary>
[TestClass]
public sealed class ModelInputTests
{
    private sealed class Scored
    {
        public float[] Score { get; set; } = [];
        public uint PredictedLabel { get; set; }
    }

    private static IDataView Rows(MLContext ml) => ml.Data.LoadFromEnumerable(ComponentFixture.Rows);

    private static IDataView Load(MLContext ml, LoadMammogramsOptions options)
    {
        var rows = Rows(ml);
        return ml.Transforms.LoadMammograms("Image", "Path", options).Fit(rows).Transform(rows);
    }

    [TestMethod]
    public void AnImageColumnOfAnotherSizeThanTheModelsIsRefusedNamingBothSizes()
    {
        var ml = new MLContext(seed: 1);
        // 70 px is a multiple of the patch size 14 (so the model would run) but the model was trained at 56.
        var images = Load(ml, new LoadMammogramsOptions { Preprocessing = ComponentFixture.LoaderOptions.Preprocessing with { ImageSize = 70 } });
        foreach (var estimator in new IEstimator<ITransformer>[]
                 {
                     ml.Transforms.MaMAImageEmbedding(ComponentFixture.ModelDirectory),
                     ml.MulticlassClassification.Trainers.MaMAZeroShot(ComponentFixture.ModelDirectory, ZeroShotTask.Density),
                 })
        {
            var e = Assert.ThrowsExactly<ModelInputMismatchException>(() => estimator.Fit(images).Transform(images).Preview(2));
            StringAssert.Contains(e.Message, "70 x 70");
            StringAssert.Contains(e.Message, $"{ComponentFixture.ImageSize} x {ComponentFixture.ImageSize}");
            Assert.AreEqual(70, e.ColumnSize);
            Assert.AreEqual(ComponentFixture.ImageSize, e.ModelSize);
        }
    }

    [TestMethod]
    public void AnImageColumnNormalisedOtherwiseThanTheTrainingImagesIsRefused()
    {
        var ml = new MLContext(seed: 1);
        var images = Load(ml, new LoadMammogramsOptions { Preprocessing = ComponentFixture.LoaderOptions.Preprocessing with { Mean = 0.485f, Std = 0.229f } });
        var e = Assert.ThrowsExactly<ModelInputMismatchException>(() =>
            ml.Transforms.MaMAImageEmbedding(ComponentFixture.ModelDirectory).Fit(images).Transform(images).Preview(2));
        StringAssert.Contains(e.Message, "0.485");
        StringAssert.Contains(e.Message, "0.5");
    }

    [TestMethod]
    public void ForModelTakesTheInputSizeFromTheModelDirectory()
    {
        var options = LoadMammogramsOptions.ForModel(ComponentFixture.ModelDirectory);
        Assert.AreEqual(ComponentFixture.ImageSize, options.Preprocessing.ImageSize);
        Assert.AreEqual(PreprocessingOptions.Default.Mean, options.Preprocessing.Mean);
        Assert.AreEqual(PreprocessingOptions.Default.Std, options.Preprocessing.Std);
        var ml = new MLContext(seed: 1);
        var images = Load(ml, options);
        var embedded = ml.Transforms.MaMAImageEmbedding(ComponentFixture.ModelDirectory).Fit(images).Transform(images);
        Assert.HasCount(ComponentFixture.Rows.Count, embedded.GetColumn<float[]>("Embedding").ToList());
        Assert.ThrowsExactly<MaMAModelFormatException>(() => LoadMammogramsOptions.ForModel(ComponentFixture.NewTempFolder("empty")));
    }

    [TestMethod]
    public void ZeroShotFromTheEmbeddingColumnScoresAsFromTheImages()
    {
        var ml = new MLContext(seed: 1);
        var images = ComponentFixture.LoadImages(ml);
        string model = ComponentFixture.ModelDirectory;
        var fromImages = ml.Transforms.MaMAImageEmbedding(model)
            .Append(ml.MulticlassClassification.Trainers.MaMAZeroShot(model, ZeroShotTask.Density));
        var fromEmbedding = ml.Transforms.MaMAImageEmbedding(model)
            .Append(ml.MulticlassClassification.Trainers.MaMAZeroShot(model, ZeroShotTask.Density, options: new ZeroShotOptions { EmbeddingColumnName = "Embedding" }));
        var expected = ml.Data.CreateEnumerable<Scored>(fromImages.Fit(images).Transform(images), reuseRowObject: false).ToList();
        var actual = ml.Data.CreateEnumerable<Scored>(fromEmbedding.Fit(images).Transform(images), reuseRowObject: false).ToList();
        Assert.HasCount(expected.Count, actual);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.AreEqual(expected[i].PredictedLabel, actual[i].PredictedLabel);
            for (int k = 0; k < expected[i].Score.Length; k++) Assert.AreEqual(expected[i].Score[k], actual[i].Score[k], 1e-5f);
        }
        Assert.IsGreaterThan(1, expected.Select(e => string.Join(",", e.Score)).Distinct().Count(), "rows differ, so the comparison means something");

        // An embedding column of the wrong width is refused with the expected size.
        var wrong = ml.Transforms.MaMAImageEmbedding(model, options: new ImageEmbeddingOptions { Output = ImageEmbeddingKind.PooledFeature })
            .Append(ml.MulticlassClassification.Trainers.MaMAZeroShot(model, ZeroShotTask.Density, options: new ZeroShotOptions { EmbeddingColumnName = "Embedding" }));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => wrong.Fit(images).Transform(images).Preview(1));
        StringAssert.Contains(e.Message, "embedding size");
    }

    [TestMethod]
    public void ZeroShotOnAModelFolderWithoutATokenizerUsesTheBundledGpt2Tokenizer()
    {
        // A GPT-2-vocabulary model saved without a tokenizer folder, as `mama model init` or a bare export leaves it.
        string folder = ComponentFixture.NewTempFolder("no-tokenizer");
        var config = MaMAConfig.Tiny with { Vision = MaMAConfig.Tiny.Vision with { ImageSize = ComponentFixture.ImageSize } };
        TorchRuntime.Seed(3);
        using (var model = new MaMAModel(config))
            MaMAModelDirectory.Save(model, folder);
        Assert.IsFalse(Directory.Exists(Path.Combine(folder, MaMAModelDirectory.TokenizerFolder)));

        var ml = new MLContext(seed: 1);
        var images = ComponentFixture.LoadImages(ml);
        var scored = ml.MulticlassClassification.Trainers.MaMAZeroShot(folder, ZeroShotTask.Density).Fit(images).Transform(images);
        var rows = ml.Data.CreateEnumerable<Scored>(scored, reuseRowObject: false).ToList();
        Assert.HasCount(ComponentFixture.Rows.Count, rows);
        foreach (var row in rows) Assert.AreEqual(1.0, row.Score.Sum(), 1e-4);
    }

    [TestMethod]
    public void LoadMaMAGivesBackThePipelinesInputSchema()
    {
        var ml = new MLContext(seed: 1);
        var rows = Rows(ml);
        var model = ml.Transforms.LoadMammograms("Image", "Path", ComponentFixture.LoaderOptions)
            .Append(ml.Transforms.MaMAImageEmbedding(ComponentFixture.ModelDirectory)).Fit(rows);
        string file = Path.Combine(ComponentFixture.NewTempFolder("schema"), "m.mama.zip");
        ml.Model.SaveMaMA(model, rows.Schema, file);

        var loaded = ml.Model.LoadMaMA(file, out DataViewSchema schema);
        CollectionAssert.AreEqual(rows.Schema.Select(c => c.Name).ToList(), schema.Select(c => c.Name).ToList());
        Assert.AreEqual(TextDataViewType.Instance, schema["Path"].Type);
        Assert.HasCount(ComponentFixture.Rows.Count, loaded.Transform(rows).GetColumn<float[]>("Embedding").ToList());

        var directory = Path.GetDirectoryName(file)!;
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ml.Model.LoadMaMA(directory, out _));
        StringAssert.Contains(e.Message, "directory");
    }
}
