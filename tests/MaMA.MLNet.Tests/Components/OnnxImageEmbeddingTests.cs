using System.Collections.Concurrent;
using MaMA.MLNet.Components;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Onnx;
using MaMA.MLNet.Onnx.Graph;
using MaMA.MLNet.Tests.Components.Support;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.Tests.Components;

/// <summary>The ONNX Runtime backend of the image embedding against the TorchSharp backend (an independent engine).</summary>
[TestClass]
public sealed class OnnxImageEmbeddingTests
{
    private static ImageEmbeddingOptions Onnx(int batch, string onnxPath = "") =>
        new() { Backend = MaMAInferenceBackend.OnnxRuntime, BatchSize = batch, OnnxModelPath = onnxPath, OnnxIntraOpThreads = 1 };

    /// <summary>Embeddings keyed by the row's file path, read through one sequential cursor.</summary>
    private static Dictionary<string, float[]> Read(IDataView view)
    {
        var result = new Dictionary<string, float[]>();
        using var cursor = view.GetRowCursor([view.Schema["Embedding"], view.Schema["Path"]]);
        var get = cursor.GetGetter<VBuffer<float>>(view.Schema["Embedding"]);
        var path = cursor.GetGetter<ReadOnlyMemory<char>>(view.Schema["Path"]);
        VBuffer<float> v = default;
        ReadOnlyMemory<char> p = default;
        while (cursor.MoveNext())
        {
            get(ref v);
            path(ref p);
            result.Add(p.ToString(), v.DenseValues().ToArray());
        }
        return result;
    }

    private static void AssertClose(Dictionary<string, float[]> expected, Dictionary<string, float[]> actual, float tolerance)
    {
        Assert.HasCount(expected.Count, actual);
        foreach (var (path, embedding) in expected)
        {
            Assert.HasCount(embedding.Length, actual[path]);
            for (int i = 0; i < embedding.Length; i++) Assert.AreEqual(embedding[i], actual[path][i], tolerance, $"{path} dim {i}");
        }
    }

    private static Dictionary<string, float[]> TorchSharpEmbeddings(MLContext ml, IDataView images)
    {
        using var torch = ml.Transforms.MaMAImageEmbedding(ComponentFixture.ModelDirectory, options: new ImageEmbeddingOptions { BatchSize = 4 }).Fit(images);
        return Read(torch.Transform(images));
    }

    [TestMethod]
    public void OnnxRuntimeEmbeddingsEqualTheTorchSharpTransformerOnTheSameImages()
    {
        var ml = new MLContext(seed: 1);
        var images = ComponentFixture.LoadImages(ml);
        var expected = TorchSharpEmbeddings(ml, images);
        // 12 rows in batches of 5: 5, 5, 2 (the last batch reuses the buffer only in part).
        using var onnx = ml.Transforms.MaMAImageEmbedding(ComponentFixture.ModelDirectory, options: Onnx(batch: 5)).Fit(images);
        Assert.AreEqual(MaMAInferenceBackend.OnnxRuntime, onnx.Backend);
        var actual = Read(onnx.Transform(images));

        Assert.HasCount(12, actual);
        AssertClose(expected, actual, 1e-4f);
        Assert.HasCount(12, actual.Values.Select(e => e[0]).Distinct().ToList(), "every image gets its own embedding");
    }

    [TestMethod]
    public void AGivenExportedFileRunsAndTravelsWithTheSavedPipeline()
    {
        var ml = new MLContext(seed: 1);
        var images = ComponentFixture.LoadImages(ml);
        var expected = TorchSharpEmbeddings(ml, images);
        string folder = ComponentFixture.NewTempFolder("onnx-given");
        string file = Path.Combine(folder, "encoder.onnx");
        var loaded = MaMAModelDirectory.Load(ComponentFixture.ModelDirectory);
        using (loaded.Model) OnnxModelFile.Save(MaMAModelOnnxExporter.ExportImageEncoder(loaded.Model, ComponentFixture.ImageSize), file);

        using var onnx = ml.Transforms.MaMAImageEmbedding(ComponentFixture.ModelDirectory, options: Onnx(batch: 7, file)).Fit(images);
        AssertClose(expected, Read(onnx.Transform(images)), 1e-4f);

        string saved = Path.Combine(folder, "pipeline.mama.zip");
        ml.Model.SaveMaMA(onnx, images.Schema, saved);
        File.Delete(file); // the saved pipeline holds its own copy
        var again = new MLContext(seed: 2).Model.LoadMaMA(saved);
        try
        {
            AssertClose(expected, Read(again.Transform(images)), 1e-4f);
        }
        finally
        {
            (again as IDisposable)?.Dispose();
        }
    }

    [TestMethod]
    public void ParallelCursorsShareTheSessionAndGiveTheSequentialEmbeddings()
    {
        var ml = new MLContext(seed: 1);
        var images = ComponentFixture.LoadImages(ml);
        using var onnx = ml.Transforms.MaMAImageEmbedding(ComponentFixture.ModelDirectory, options: Onnx(batch: 3)).Fit(images);
        var output = onnx.Transform(images);
        var sequential = Read(output);
        var column = output.Schema["Embedding"];
        var pathColumn = output.Schema["Path"];
        var parallel = new ConcurrentDictionary<string, float[]>();
        Parallel.ForEach(output.GetRowCursorSet([column, pathColumn], 3), cursor =>
        {
            using (cursor)
            {
                var get = cursor.GetGetter<VBuffer<float>>(column);
                var path = cursor.GetGetter<ReadOnlyMemory<char>>(pathColumn);
                VBuffer<float> v = default;
                ReadOnlyMemory<char> p = default;
                while (cursor.MoveNext())
                {
                    get(ref v);
                    path(ref p);
                    Assert.IsTrue(parallel.TryAdd(p.ToString(), v.DenseValues().ToArray()), $"{p} seen twice");
                }
            }
        });
        Assert.HasCount(sequential.Count, parallel);
        foreach (var (path, embedding) in sequential) CollectionAssert.AreEqual(embedding, parallel[path], path);
    }

    [TestMethod]
    public void ADisposedTransformerReleasesItsSessionAndRefusesToRun()
    {
        var ml = new MLContext(seed: 1);
        var images = ComponentFixture.LoadImages(ml);
        var onnx = ml.Transforms.MaMAImageEmbedding(ComponentFixture.ModelDirectory, options: Onnx(batch: 4)).Fit(images);
        var view = onnx.Transform(images);
        Assert.HasCount(12, Read(view));
        onnx.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => Read(view));
    }

    [TestMethod]
    public void BadSettingsAndFilesAreRejectedByName()
    {
        var ml = new MLContext(seed: 1);
        var images = ComponentFixture.LoadImages(ml);
        var pooled = Onnx(batch: 4);
        pooled.Output = ImageEmbeddingKind.PooledFeature;
        Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.MaMAImageEmbedding(ComponentFixture.ModelDirectory, options: pooled));
        var gpu = Onnx(batch: 4);
        gpu.Device = "mps";
        Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.MaMAImageEmbedding(ComponentFixture.ModelDirectory, options: gpu));

        string folder = ComponentFixture.NewTempFolder("onnx-bad");
        string missing = Path.Combine(folder, "none.onnx");
        var error = Assert.ThrowsExactly<FileNotFoundException>(() => ml.Transforms.MaMAImageEmbedding(ComponentFixture.ModelDirectory, options: Onnx(4, missing)).Fit(images));
        StringAssert.Contains(error.Message, "none.onnx");

        // An encoder exported at another image size does not fit the column.
        string other = Path.Combine(folder, "other-size.onnx");
        var loaded = MaMAModelDirectory.Load(ComponentFixture.ModelDirectory);
        using (loaded.Model) OnnxModelFile.Save(MaMAModelOnnxExporter.ExportImageEncoder(loaded.Model, 2 * ComponentFixture.ImageSize), other);
        var size = Assert.ThrowsExactly<OnnxExportException>(() => ml.Transforms.MaMAImageEmbedding(ComponentFixture.ModelDirectory, options: Onnx(4, other)).Fit(images));
        StringAssert.Contains(size.Message, "other-size.onnx");

        string garbage = Path.Combine(folder, "garbage.onnx");
        File.WriteAllBytes(garbage, [1, 2, 3, 4, 5]);
        var bad = Assert.ThrowsExactly<OnnxExportException>(() => ml.Transforms.MaMAImageEmbedding(ComponentFixture.ModelDirectory, options: Onnx(4, garbage)).Fit(images));
        StringAssert.Contains(bad.Message, "garbage.onnx");
    }

    private sealed class PathInput
    {
        public string Path { get; set; } = "";
    }

    private sealed class EmbeddingOutput
    {
        public float[] Embedding { get; set; } = [];
    }

    [TestMethod]
    public void APredictionEngineRunsTheSessionOneRowAtATimeAndMatchesTheBatchedTransform()
    {
        var ml = new MLContext(seed: 1);
        var inputs = ComponentFixture.Rows.Select(r => new PathInput { Path = r.Path }).ToList();
        var data = ml.Data.LoadFromEnumerable(inputs);
        var model = ml.Transforms.LoadMammograms("Image", "Path", ComponentFixture.LoaderOptions)
            .Append(ml.Transforms.MaMAImageEmbedding(ComponentFixture.ModelDirectory, options: Onnx(batch: 5)))
            .Fit(data);
        var batched = ml.Data.CreateEnumerable<EmbeddingOutput>(model.Transform(data), reuseRowObject: false).ToList();
        using var engine = ml.Model.CreatePredictionEngine<PathInput, EmbeddingOutput>(model);
        for (int i = 0; i < inputs.Count; i++)
        {
            var single = engine.Predict(inputs[i]).Embedding;
            Assert.HasCount(batched[i].Embedding.Length, single);
            for (int k = 0; k < single.Length; k++) Assert.AreEqual(batched[i].Embedding[k], single[k], 1e-5f, $"row {i} dim {k}");
        }
        (model.LastTransformer as IDisposable)?.Dispose();
    }
}
