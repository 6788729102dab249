using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Tokenization;
using MaMA.MLNet.Pretraining;
using MaMA.MLNet.Samples;
using MaMA.MLNet.Tests.Components.Support;
using static TorchSharp.torch;

namespace MaMA.MLNet.Tests.Pretraining;

/// <summary>
/// <see cref="CategoryRetrieval"/>: precision@k on similarity matrices counted by hand, ties shared out as a random
/// tie-break would, and the model-level protocol against a brute-force ranking of the same embeddings.
/// </summary>
[TestClass]
public sealed class CategoryRetrievalTests
{
    [TestMethod]
    public void PrecisionAtKCountsTheQuerysClassAmongItsKNearest()
    {
        // 2 queries (classes 0, 1) x 4 candidates (classes 0, 0, 1, 1).
        float[] similarity =
        [
            0.9f, 0.1f, 0.8f, 0.2f,  // top-1 class 0 (hit); top-2 {0, 1}: 1 of 2; top-3 {0, 1, 1}: 1 of 3
            0.1f, 0.7f, 0.6f, 0.5f,  // top-1 class 0 (miss); top-2 {0, 1}: 1 of 2; top-3 {0, 1, 1}: 2 of 3
        ];
        int[] queries = [0, 1], candidates = [0, 0, 1, 1];
        Assert.AreEqual((1 + 0) / 2.0, CategoryRetrieval.PrecisionAtK(similarity, queries, candidates, 1), 1e-12);
        Assert.AreEqual((0.5 + 0.5) / 2.0, CategoryRetrieval.PrecisionAtK(similarity, queries, candidates, 2), 1e-12);
        Assert.AreEqual((1 / 3.0 + 2 / 3.0) / 2.0, CategoryRetrieval.PrecisionAtK(similarity, queries, candidates, 3), 1e-12);
        Assert.AreEqual(0.5, CategoryRetrieval.PrecisionAtK(similarity, queries, candidates, 4), 1e-12, "all candidates: the class share");
    }

    [TestMethod]
    public void TiesAtTheKthValueAreSharedOutNotTakenInOrder()
    {
        // Equal similarities: any order would do, so the precision is the class share (1 of 4), not the first k's.
        float[] collapsed = [0.3f, 0.3f, 0.3f, 0.3f];
        Assert.AreEqual(0.25, CategoryRetrieval.PrecisionAtK(collapsed, [0], [0, 1, 1, 1], 1), 1e-12);
        Assert.AreEqual(0.25, CategoryRetrieval.PrecisionAtK(collapsed, [0], [0, 1, 1, 1], 2), 1e-12);
        // One clear winner (class 1), then three tied for the second slot, one of them class 0: 0 + 1/3 of a hit.
        float[] partly = [0.5f, 0.5f, 0.9f, 0.5f];
        Assert.AreEqual((0 + 1 / 3.0) / 2, CategoryRetrieval.PrecisionAtK(partly, [0], [0, 1, 1, 1], 2), 1e-12);
    }

    [TestMethod]
    public void BadShapesKAndNaNAreRefused()
    {
        Assert.ThrowsExactly<ArgumentException>(() => CategoryRetrieval.PrecisionAtK(new float[5], [0, 1], [0, 1], 1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => CategoryRetrieval.PrecisionAtK(new float[4], [0, 1], [0, 1], 3));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => CategoryRetrieval.PrecisionAtK(new float[4], [0, 1], [0, 1], 0));
        Assert.ThrowsExactly<ArgumentException>(() => CategoryRetrieval.PrecisionAtK([float.NaN, float.NaN], [0], [0, 1], 1));
    }

    [TestMethod]
    public void EvaluateQueriesABalancedSetAndMatchesABruteForceRanking()
    {
        var records = PretrainingFixture.Records;
        var (config, tokenizer) = TinySetup();
        using var model = new MaMAModel(config);

        var result = CategoryRetrieval.Evaluate(model, tokenizer, records, ZeroShotTask.Density, [1, 3, 1000]);

        // The balanced set: per density class the first m records, m the smallest class count.
        var byClass = records.Where(r => r.Density is not null).GroupBy(r => r.Density!.Value).OrderBy(g => g.Key).ToList();
        int m = byClass.Min(g => g.Count());
        var chosen = byClass.SelectMany(g => g.Take(m)).ToList();
        Assert.AreEqual(byClass.Count, result.Classes);
        Assert.AreEqual(byClass.Count * m, result.Queries);
        Assert.AreEqual(1.0 / byClass.Count, result.Chance, 1e-12);
        Assert.IsTrue(double.IsNaN(result.PrecisionAtK[1000]), "k beyond the candidates has no precision");

        // Brute force: rank every report by its dot product with the image embedding, count the first k's classes.
        model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var images = MaMAZeroShotEvaluation.EmbedImages(model, chosen).to(ScalarType.Float64);
        var reports = chosen.Select(r => new StructuredCaptionBuilder(MaskProbability: 1.0).Build(r, new Random(0))).ToList();
        var (ids, mask) = tokenizer.EncodeCaptions(reports, config.TextMaxLength).ToTensors();
        var texts = model.EncodeTexts(ids, mask).to(ScalarType.Float64);
        var imageRows = images.data<double>().ToArray();
        var textRows = texts.data<double>().ToArray();
        int e = (int)images.shape[1], n = chosen.Count;
        foreach (int k in new[] { 1, 3 })
        {
            double total = 0;
            for (int q = 0; q < n; q++)
            {
                var ranked = Enumerable.Range(0, n)
                    .OrderByDescending(c => Enumerable.Range(0, e).Sum(j => imageRows[q * e + j] * textRows[c * e + j])).Take(k);
                total += ranked.Count(c => chosen[c].Density == chosen[q].Density) / (double)k;
            }
            Assert.AreEqual(total / n, result.PrecisionAtK[k], 1e-9, $"precision@{k}");
        }
    }

    [TestMethod]
    public void SuppliedEmbeddingsAreTakenRowByRecordAndGiveTheSameMetrics()
    {
        var records = PretrainingFixture.Records;
        var (config, tokenizer) = TinySetup();
        using var model = new MaMAModel(config);
        model.eval();
        using var scope = NewDisposeScope();
        var all = MaMAZeroShotEvaluation.EmbedImages(model, records);

        // The rows picked are the records' rows, in the order asked for; a tensor of another height is refused.
        var picked = MaMAZeroShotEvaluation.EmbeddingsOf(model, records, [2, 0], all);
        CollectionAssert.AreEqual(all[2].data<float>().ToArray(), picked[0].data<float>().ToArray());
        CollectionAssert.AreEqual(all[0].data<float>().ToArray(), picked[1].data<float>().ToArray());
        Assert.ThrowsExactly<ArgumentException>(() => MaMAZeroShotEvaluation.EmbeddingsOf(model, records, null, all.narrow(0, 0, records.Count - 1)));

        // Embedding once and passing the rows gives what each measure computes on its own.
        var own = CategoryRetrieval.Evaluate(model, tokenizer, records, ZeroShotTask.Density, [1, 3]);
        var shared = CategoryRetrieval.Evaluate(model, tokenizer, records, ZeroShotTask.Density, [1, 3], all);
        Assert.AreEqual(own.PrecisionAtK[1], shared.PrecisionAtK[1], 1e-12);
        Assert.AreEqual(own.PrecisionAtK[3], shared.PrecisionAtK[3], 1e-12);
        Assert.AreEqual(MaMAZeroShotEvaluation.ImageToTextTop1(model, tokenizer, records),
                        MaMAZeroShotEvaluation.ImageToTextTop1(model, tokenizer, records, all), 1e-12);
        Assert.AreEqual(MaMAZeroShotEvaluation.ImageToClinicalTextTop1(model, tokenizer, records),
                        MaMAZeroShotEvaluation.ImageToClinicalTextTop1(model, tokenizer, records, all));
        var density = MaMAZeroShotEvaluation.Classify(model, tokenizer, records, ZeroShotTask.Density)!;
        var densityShared = MaMAZeroShotEvaluation.Classify(model, tokenizer, records, ZeroShotTask.Density, all)!;
        Assert.AreEqual(density.BalancedAccuracy, densityShared.BalancedAccuracy, 1e-12);
        Assert.AreEqual(density.MacroAuc, densityShared.MacroAuc, 1e-9);
    }

    // The tiny config at the fixture's image size and its tokenizer, with the seed the models of these tests start from.
    private static (MaMAConfig Config, MaMATokenizer Tokenizer) TinySetup()
    {
        var config = TinyMaMAModel.Config(PretrainingFixture.ImageSize);
        var tokenizer = MaMATokenizer.FromDirectory(PretrainingFixture.TokenizerDirectory);
        TorchRuntime.Seed(3);
        return (config, tokenizer);
    }
}
