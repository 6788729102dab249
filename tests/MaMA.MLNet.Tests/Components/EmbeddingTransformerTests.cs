using MaMA.MLNet.Samples;
using MaMA.MLNet.Components;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Tests.Components.Support;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace MaMA.MLNet.Tests.Components;

[TestClass]
public sealed class EmbeddingTransformerTests
{
    private sealed class ImageOut
    {
        public float[] Image { get; set; } = [];
        public float[] Embedding { get; set; } = [];
    }

    private sealed class TextOut
    {
        public string Text { get; set; } = "";
        public float[] TextEmbedding { get; set; } = [];
    }

    private static float[] Reference(Func<MaMAModel, Tensor> run)
    {
        var loaded = MaMAModelDirectory.Load(ComponentFixture.ModelDirectory);
        using var model = loaded.Model;
        using var scope = NewDisposeScope();
        return run(model).contiguous().data<float>().ToArray();
    }

    [TestMethod]
    public void ImageEmbeddingsEqualTheModelRunOnTheSamePixelsAndAreUnitLength()
    {
        var ml = new MLContext(seed: 1);
        var images = ComponentFixture.LoadImages(ml);
        var options = new ImageEmbeddingOptions { BatchSize = 5 }; // 12 rows: batches of 5, 5, 2
        var transformer = ml.Transforms.MaMAImageEmbedding(ComponentFixture.ModelDirectory, options: options).Fit(images);
        var rows = ml.Data.CreateEnumerable<ImageOut>(transformer.Transform(images), reuseRowObject: false).ToList();

        int s = ComponentFixture.ImageSize, n = rows.Count;
        var expected = Reference(model => model.EncodeImages(tensor(rows.SelectMany(r => r.Image).ToArray(), [n, 3, s, s])).Embedding);
        int e = TinyMaMAModel.Config().EmbeddingSize;
        Assert.AreEqual(12, n);
        for (int r = 0; r < n; r++)
        {
            Assert.HasCount(e, rows[r].Embedding);
            for (int i = 0; i < e; i++) Assert.AreEqual(expected[r * e + i], rows[r].Embedding[i], 1e-5f, $"row {r} dim {i}");
            Assert.AreEqual(1.0, Math.Sqrt(rows[r].Embedding.Sum(v => (double)v * v)), 1e-5);
        }
        Assert.AreNotEqual(rows[0].Embedding[0], rows[1].Embedding[0], "different images give different embeddings");
    }

    [TestMethod]
    public void PooledFeatureOptionGivesTheVisionWidth()
    {
        var ml = new MLContext(seed: 1);
        var images = ComponentFixture.LoadImages(ml);
        var estimator = ml.Transforms.MaMAImageEmbedding(ComponentFixture.ModelDirectory, "Feature",
            options: new ImageEmbeddingOptions { Output = ImageEmbeddingKind.PooledFeature });
        var output = estimator.Fit(images).Transform(images);
        var type = (VectorDataViewType)output.Schema["Feature"].Type;
        Assert.AreEqual(TinyMaMAModel.Config().Vision.Width, type.Size);
        var first = output.GetColumn<VBuffer<float>>("Feature").First().DenseValues().ToArray();
        Assert.AreNotEqual(1.0, Math.Sqrt(first.Sum(v => (double)v * v)), 1e-3, "the pooled feature is not normalised");
    }

    [TestMethod]
    public void ParallelCursorsShareTheModelAndGiveTheSameEmbeddings()
    {
        var ml = new MLContext(seed: 1);
        var images = ComponentFixture.LoadImages(ml);
        var output = ml.Transforms.MaMAImageEmbedding(ComponentFixture.ModelDirectory, options: new ImageEmbeddingOptions { BatchSize = 2 })
            .Fit(images).Transform(images);
        var column = output.Schema["Embedding"];
        var idColumn = output.Schema["Path"];
        var sequential = new Dictionary<string, float[]>();
        using (var cursor = output.GetRowCursor([column, idColumn]))
        {
            var get = cursor.GetGetter<VBuffer<float>>(column);
            var path = cursor.GetGetter<ReadOnlyMemory<char>>(idColumn);
            VBuffer<float> v = default;
            ReadOnlyMemory<char> p = default;
            while (cursor.MoveNext()) { get(ref v); path(ref p); sequential[p.ToString()] = v.DenseValues().ToArray(); }
        }
        var cursors = output.GetRowCursorSet([column, idColumn], 3);
        var parallel = new System.Collections.Concurrent.ConcurrentDictionary<string, float[]>();
        Parallel.ForEach(cursors, cursor =>
        {
            using (cursor)
            {
                var get = cursor.GetGetter<VBuffer<float>>(column);
                var path = cursor.GetGetter<ReadOnlyMemory<char>>(idColumn);
                VBuffer<float> v = default;
                ReadOnlyMemory<char> p = default;
                while (cursor.MoveNext()) { get(ref v); path(ref p); parallel[p.ToString()] = v.DenseValues().ToArray(); }
            }
        });
        Assert.HasCount(sequential.Count, parallel);
        foreach (var (path, embedding) in sequential)
            CollectionAssert.AreEqual(embedding, parallel[path], $"{path}");
    }

    [TestMethod]
    public void TextEmbeddingsEqualTheModelRunOnTheTokenisedCaptions()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(ComponentFixture.Rows);
        var output = ml.Transforms.MaMATextEmbedding(ComponentFixture.ModelDirectory, options: new TextEmbeddingOptions { BatchSize = 4 }).Fit(data).Transform(data);
        var rows = ml.Data.CreateEnumerable<TextOut>(output, reuseRowObject: false).ToList();

        var loaded = MaMAModelDirectory.Load(ComponentFixture.ModelDirectory);
        var tokens = loaded.Tokenizer!.EncodeCaptions(rows.Select(r => r.Text).ToList(), loaded.Model.Config.TextMaxLength);
        float[] expected;
        using (loaded.Model)
        using (var scope = NewDisposeScope())
        {
            var (ids, mask) = tokens.ToTensors();
            expected = loaded.Model.EncodeTexts(ids, mask).data<float>().ToArray();
        }
        int e = TinyMaMAModel.Config().EmbeddingSize;
        for (int r = 0; r < rows.Count; r++)
            for (int i = 0; i < e; i++) Assert.AreEqual(expected[r * e + i], rows[r].TextEmbedding[i], 1e-5f, $"row {r} dim {i}");
    }

    [TestMethod]
    public void AnImageColumnOfTheWrongShapeIsRejectedByName()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new FlatImage { Image = new float[10] } });
        var estimator = ml.Transforms.MaMAImageEmbedding(ComponentFixture.ModelDirectory);
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(data));
        StringAssert.Contains(error.Message, "'Image'");
    }

    [TestMethod]
    public void AMissingModelDirectoryIsAFormatError()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(ComponentFixture.Rows);
        string missing = Path.Combine(ComponentFixture.NewTempFolder("missing"), "nothing");
        var error = Assert.ThrowsExactly<MaMAModelFormatException>(() => ml.Transforms.MaMATextEmbedding(missing).Fit(data));
        StringAssert.Contains(error.Message, "nothing");
    }

    private sealed class FlatImage
    {
        [VectorType(10)]
        public float[] Image { get; set; } = [];
    }
}
