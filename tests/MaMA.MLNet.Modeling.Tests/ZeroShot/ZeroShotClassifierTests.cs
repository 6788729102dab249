using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Tests.Tokenization;
using MaMA.MLNet.Modeling.Text;
using MaMA.MLNet.Modeling.Tokenization;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.ZeroShot;

[TestClass]
public sealed class ZeroShotClassifierTests
{
    private static MaMATokenizer _tokenizer = null!;

    [ClassInitialize]
    public static void LoadTokenizer(TestContext _)
    {
        string dir = Directory.CreateTempSubdirectory("mama-zs-").FullName;
        Gpt2VocabularyFixture.WriteVocabAndMerges(dir);
        _tokenizer = MaMATokenizer.FromDirectory(dir);
        Directory.Delete(dir, recursive: true);
    }

    private static MaMAModel SmallModel()
    {
        TorchRuntime.Seed(3);
        var config = MaMAConfig.Tiny with
        {
            Vision = MaMAConfig.Tiny.Vision with { ImageSize = 28, Depth = 1 },
            Text = MaMAConfig.Tiny.Text with { Width = 32, Layers = 1, Heads = 2 },
            EmbeddingSize = 16,
            LocalProjectionHidden = 16,
        };
        var model = new MaMAModel(config);
        model.eval();
        return model;
    }

    [TestMethod]
    public void ClassEmbeddingIsTheNormalisedMeanOfItsPromptsRegardlessOfBatching()
    {
        using var model = SmallModel();
        string[][] prompts = [["The breast is almost entirely fat.", "Fatty breast."], ["The breast is extremely dense.", "Dense breast tissue.", "Very dense."]];
        using var classifier = ZeroShotClassifier.Create(model, _tokenizer, prompts, batchSize: 2);

        using var scope = NewDisposeScope();
        for (int c = 0; c < prompts.Length; c++)
        {
            // Independent path: one prompt per forward, averaged by hand in doubles.
            var sum = new double[16];
            foreach (string prompt in prompts[c])
            {
                var tokens = _tokenizer.EncodeCaptions([prompt], model.Config.TextMaxLength);
                var e = model.EncodeTexts(tensor(tokens.InputIds, [1, tokens.Length]), tensor(tokens.AttentionMask, [1, tokens.Length]));
                float[] v = e.data<float>().ToArray();
                for (int i = 0; i < 16; i++) sum[i] += v[i] / prompts[c].Length;
            }
            double norm = Math.Sqrt(sum.Sum(x => x * x));
            float[] actual = classifier.ClassEmbeddings[c].data<float>().ToArray();
            for (int i = 0; i < 16; i++) Assert.AreEqual(sum[i] / norm, actual[i], 1e-5, $"class {c}, dim {i}");
        }
    }

    [TestMethod]
    public void ProbabilitiesAreTheSoftmaxOfScaledCosines()
    {
        using var model = SmallModel();
        using var classifier = ZeroShotClassifier.Create(model, _tokenizer, [["negative"], ["benign finding"], ["malignant"]]);
        using var scope = NewDisposeScope();
        var pixels = randn(2, 3, 28, 28);
        float[] probabilities = classifier.PredictProbabilities(pixels).data<float>().ToArray();
        float[] image = model.EncodeImages(pixels).Embedding.data<float>().ToArray();
        float[] classes = classifier.ClassEmbeddings.data<float>().ToArray();
        double scale = Math.Exp(Math.Log(1 / 0.07)); // the initial logit scale
        Assert.AreEqual(scale, classifier.Scale, 1e-4);
        for (int b = 0; b < 2; b++)
        {
            var logits = Enumerable.Range(0, 3).Select(k => scale * Enumerable.Range(0, 16).Sum(i => (double)image[b * 16 + i] * classes[k * 16 + i])).ToArray();
            double max = logits.Max(), z = logits.Sum(l => Math.Exp(l - max));
            for (int k = 0; k < 3; k++) Assert.AreEqual(Math.Exp(logits[k] - max) / z, probabilities[b * 3 + k], 1e-5);
        }
    }

    [TestMethod]
    public void FewerThanTwoClassesOrAnEmptyClassIsRejected()
    {
        using var model = SmallModel();
        Assert.ThrowsExactly<ArgumentException>(() => ZeroShotClassifier.Create(model, _tokenizer, [["only one"]]));
        Assert.ThrowsExactly<ArgumentException>(() => ZeroShotClassifier.Create(model, _tokenizer, [["a"], []]));
    }
}
