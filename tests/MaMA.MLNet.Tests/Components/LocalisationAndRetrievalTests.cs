using MaMA.MLNet.Components;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Tests.Components.Support;
using Microsoft.ML;
using Microsoft.ML.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace MaMA.MLNet.Tests.Components;

[TestClass]
public sealed class LocalisationAndRetrievalTests
{
    private sealed class MapRow
    {
        public float[] Image { get; set; } = [];
        public string Text { get; set; } = "";
        public float[] SimilarityMap { get; set; } = [];
    }

    [TestMethod]
    public void TheMapIsThePatchGridUpsampledBilinearly()
    {
        var ml = new MLContext(seed: 1);
        var images = ComponentFixture.LoadImages(ml);
        var output = ml.Transforms.MaMASimilarityMap(ComponentFixture.ModelDirectory, options: new SimilarityMapOptions { BatchSize = 3 })
            .Fit(images).Transform(images);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 56, 56), output.Schema["SimilarityMap"].Type);
        var rows = ml.Data.CreateEnumerable<MapRow>(output, reuseRowObject: false).Take(2).ToList();

        int s = ComponentFixture.ImageSize;
        var loaded = MaMAModelDirectory.Load(ComponentFixture.ModelDirectory);
        using var model = loaded.Model;
        foreach (var row in rows)
        {
            // Reference: the model's patch-sentence similarity, averaged over the text's sentences here.
            var tokens = loaded.Tokenizer!.EncodeCaptions([row.Text], model.Config.TextMaxLength);
            float[] grid;
            long gh, gw;
            using (var scope = NewDisposeScope())
            {
                var (ids, mask) = tokens.ToTensors();
                using var sim = model.ComputePatchSentenceSimilarity(tensor(row.Image, [1, 3, s, s]), ids, mask);
                long sentences = sim.SentenceMask.sum().item<long>();
                Assert.AreEqual(3L, sentences, "the fixture texts have three sentences");
                grid = sim.Similarity[0].narrow(1, 0, sentences).mean([1]).contiguous().data<float>().ToArray();
                (gh, gw) = (sim.GridHeight, sim.GridWidth);
            }
            foreach (var (y, x) in new[] { (0, 0), (5, 9), (27, 28), (40, 13), (55, 55) })
                Assert.AreEqual(Bilinear(grid, (int)gh, (int)gw, s, y, x), row.SimilarityMap[y * s + x], 1e-5, $"pixel ({y}, {x})");
        }
    }

    // PyTorch's bilinear with align_corners=false: source = (i + 0.5) * in / out - 0.5, clamped at 0.
    private static double Bilinear(float[] grid, int gh, int gw, int size, int y, int x)
    {
        static (int Lo, int Hi, double W) Source(int i, int input, int output)
        {
            double src = Math.Max(0, (i + 0.5) * input / output - 0.5);
            int lo = Math.Min((int)Math.Floor(src), input - 1);
            return (lo, Math.Min(lo + 1, input - 1), src - lo);
        }
        var (y0, y1, wy) = Source(y, gh, size);
        var (x0, x1, wx) = Source(x, gw, size);
        double top = grid[y0 * gw + x0] * (1 - wx) + grid[y0 * gw + x1] * wx;
        double bottom = grid[y1 * gw + x0] * (1 - wx) + grid[y1 * gw + x1] * wx;
        return top * (1 - wy) + bottom * wy;
    }

    [TestMethod]
    public void TheOverlayBlendsGrayWithTheHeatColour()
    {
        const int side = 4;
        var image = new float[3 * side * side];
        Array.Fill(image, 1f);                              // normalised 1 -> gray 1 (white)
        var map = Enumerable.Range(0, side * side).Select(i => (float)i).ToArray();
        string path = Path.Combine(ComponentFixture.NewTempFolder("overlay"), "o.png");
        SimilarityOverlay.WritePng(image, map, side, path, opacity: 0.5f);
        using var png = Image.Load<Rgb24>(path);
        // Jet ends in dark red (0.5, 0, 0) and starts in dark blue (0, 0, 0.5); white blended half-half.
        Assert.AreEqual(new Rgb24(191, 128, 128), png[3, 3], "the maximum: ((1 + 0.5) / 2, (1 + 0) / 2, (1 + 0) / 2)");
        Assert.AreEqual(new Rgb24(128, 128, 191), png[0, 0], "the minimum");
        var (r, g, b) = SimilarityOverlay.HeatColour(0.5f);
        Assert.AreEqual((0.5f, 1f, 0.5f), (r, g, b), "the middle is green");
        Assert.ThrowsExactly<ArgumentException>(() => SimilarityOverlay.WritePng(image, map.AsSpan(1), side, path));
    }

    [TestMethod]
    public void TopKRanksByDotProductAndRecallCountsPairs()
    {
        float[][] candidates = [[1, 0], [0, 1], [0.6f, 0.8f]];
        var hits = EmbeddingRetrieval.TopK(new float[] { 0.8f, 0.6f }, candidates, 2);
        Assert.AreEqual(2, hits[0].Index);
        Assert.AreEqual(0.96f, hits[0].Similarity, 1e-6f);
        Assert.AreEqual(0, hits[1].Index);
        float[][] queries = [[1, 0], [0, 1], [1, 0]];
        Assert.AreEqual(2.0 / 3, EmbeddingRetrieval.RecallAtK(queries, candidates, 1), 1e-12);
        Assert.AreEqual(1.0, EmbeddingRetrieval.RecallAtK(queries, candidates, 3), 1e-12);
        Assert.ThrowsExactly<ArgumentException>(() => EmbeddingRetrieval.TopK(new float[3], candidates, 1));
    }
}
