using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Tests.TestSupport;
using MaMA.MLNet.Modeling.Text;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MaMA.MLNet.Modeling.Tests.MaMA;

[TestClass]
public sealed class MaMAModelTests
{
    private static readonly int[] Lengths = [20, 32, 14];
    private static readonly int[] Sentences = [2, 3, 1];

    [TestMethod]
    public void StateDictUsesTheReferencePrefixes()
    {
        using var model = MaMATestModels.Build(MaMATestModels.Small, seed: 2);
        var names = model.state_dict().Keys.ToList();
        string[] prefixes = ["img_encoder_q.model.", "img_encoder_q.global_embed.", "img_encoder_q.local_embed.head.", "text_encoder_q.model.",
            "text_encoder_q.global_embed.", "text_encoder_q.local_embed.head.", "simclr_proj.layers.", "scales."];
        foreach (string name in names)
            Assert.IsTrue(prefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)), $"unexpected name {name}");
        foreach (string name in new[]
                 {
                     "img_encoder_q.model.blocks.1.attn.qkv.weight", "img_encoder_q.model.register_tokens", "img_encoder_q.global_embed.weight",
                     "img_encoder_q.local_embed.head.1.running_var", "text_encoder_q.model.h.1.attn.c_attn.lora_A.weight",
                     "text_encoder_q.model.h.1.attn.c_attn.lora_B.weight", "text_encoder_q.model.wte.weight", "text_encoder_q.global_embed.bias",
                     "simclr_proj.layers.4.running_mean", "scales.logit_scale", "scales.local_scale",
                 })
            CollectionAssert.Contains(names, name);
        Assert.AreEqual(MaMATestModels.Small.TextVocabSize, model.state_dict()["text_encoder_q.model.wte.weight"].shape[0]);
    }

    [TestMethod]
    public void ImageEmbeddingIsTheNormalisedProjectionOfTheMeanOfAllPreNormTokens()
    {
        using var scope = NewDisposeScope();
        using var model = MaMATestModels.Build(MaMATestModels.Small, seed: 3, ScalarType.Float64);
        model.eval();
        var pixels = MaMATestModels.Pixels(2, 42, 70, seed: 4).to(ScalarType.Float64); // non-square, off the 4 x 4 pretraining grid
        using var encoding = model.EncodeImages(pixels);
        var sd = model.state_dict();
        Tensor tokens;
        using (no_grad()) tokens = model.ImageEncoder.Backbone.ForwardPreNorm(pixels, out _, out _);
        Assert.AreEqual(1 + 4 + 3 * 5, tokens.shape[1]);
        var pooled = tokens.sum(1) / tokens.shape[1];
        var projected = pooled.matmul(sd["img_encoder_q.global_embed.weight"].t()) + sd["img_encoder_q.global_embed.bias"];
        var expected = projected / projected.pow(2).sum(1, keepdim: true).sqrt();
        Numerics.AssertClose(pooled, encoding.PooledFeature, 1e-12, "pooled");
        Numerics.AssertClose(expected, encoding.Embedding, 1e-12, "embedding");
    }

    [TestMethod]
    [DataRow(TextPooling.MaskedMean)]
    [DataRow(TextPooling.PaddedMean)]
    public void TextEmbeddingPoolsAsConfigured(TextPooling pooling)
    {
        using var scope = NewDisposeScope();
        var config = MaMATestModels.Small with { TextPooling = pooling };
        using var model = MaMATestModels.Build(config, seed: 5, ScalarType.Float64);
        model.eval();
        var (ids, mask) = MaMATestModels.Captions(config, Lengths, Sentences, 32, seed: 6);
        var embedding = model.EncodeTexts(ids, mask);
        Tensor hidden;
        using (no_grad()) hidden = model.TextEncoder.Backbone.forward(ids, mask);
        var sd = model.state_dict();
        for (int b = 0; b < Lengths.Length; b++)
        {
            long used = pooling == TextPooling.MaskedMean ? Lengths[b] : 32;
            var feature = hidden[b, ..(int)used, ..].sum(dim: 0) / used;
            var projected = sd["text_encoder_q.global_embed.weight"].matmul(feature) + sd["text_encoder_q.global_embed.bias"];
            Numerics.AssertClose(projected / projected.norm(), embedding[b], 1e-12, $"caption {b}");
        }
        // Masked mean: the same caption with less padding gives the same embedding.
        var shorter = model.EncodeTexts(ids[..1, ..24], mask[..1, ..24]);
        double diff = Numerics.MaxAbsDiff(shorter, embedding[..1]);
        if (pooling == TextPooling.MaskedMean) Assert.AreEqual(0, diff, 1e-12);
        else Assert.IsGreaterThan(1e-6, diff, "the padded mean depends on the padding");
    }

    [TestMethod]
    public void SentencePositionsFollowTheSeparators()
    {
        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { 5, 9, 1, 9, 9, 0, 9, 2, 3, 4, 1, 1 }, [3, 4]);
        var (positions, mask) = MaMABatch.FindSentences(ids, separatorId: 9);
        CollectionAssert.AreEqual(new long[] { 1, 3, 0, 2, 0, 0 }, positions.data<long>().ToArray());
        CollectionAssert.AreEqual(new[] { true, true, true, true, false, false }, mask.data<bool>().ToArray());
        Assert.AreEqual(2L, positions.shape[1], "Smax is the largest count");
    }

    [TestMethod]
    public void LossTermsEqualHandComputations()
    {
        using var scope = NewDisposeScope();
        var config = MaMATestModels.Small;
        using var model = MaMATestModels.Build(config, seed: 7, ScalarType.Float64);
        model.eval(); // batch norms use running statistics: every term is a plain function of the inputs
        using (no_grad())
        {
            model.Scales.LogitScale.fill_(1.3);
            model.Scales.LocalScale.fill_(0.7);
        }
        var p1 = MaMATestModels.Pixels(3, 56, 56, seed: 8).to(ScalarType.Float64);
        var p2 = MaMATestModels.Pixels(3, 56, 56, seed: 9).to(ScalarType.Float64);
        var (ids, mask) = MaMATestModels.Captions(config, Lengths, Sentences, 32, seed: 10);
        using var losses = model.ComputeLosses(MaMABatch.Create(p1, p2, ids, mask, config.SeparatorTokenId));
        var values = losses.ToValues();

        using var noGrad = no_grad();
        var image1 = model.EncodeImages(p1);
        var image2 = model.EncodeImages(p2);
        var text = model.EncodeTexts(ids, mask);
        double clip1 = Clip(Matrix(image1.Embedding, text, Math.Exp(1.3)));
        double clip2 = Clip(Matrix(image2.Embedding, text, Math.Exp(1.3)));
        double ntxent = NtXent(model.SimClrHead.forward(image2.PooledFeature), model.SimClrHead.forward(image1.PooledFeature), 0.5);
        var (t2i, i2t) = LocalScores(model, p1, ids);
        double local = Clip(Scale(t2i, Math.Exp(0.7))) + Clip(Scale(i2t, Math.Exp(0.7)));

        Assert.AreEqual(clip1, values[MaMALosses.ImageText], 1e-9);
        Assert.AreEqual(ntxent, values[MaMALosses.MultiView], 1e-9);
        Assert.AreEqual(clip2, values[MaMALosses.SecondViewText], 1e-9);
        Assert.AreEqual(local, values[MaMALosses.LocalAlignment], 1e-9);
        Assert.AreEqual(clip1 + ntxent + clip2 + local, values["total"], 1e-9);
        double[,] logits = Matrix(image1.Embedding, text, 1);
        double top1 = 0;
        for (int i = 0; i < 3; i++)
        {
            if (Enumerable.Range(0, 3).All(j => logits[i, j] <= logits[i, i])) top1 += 0.5 / 3;
            if (Enumerable.Range(0, 3).All(j => logits[j, i] <= logits[i, i])) top1 += 0.5 / 3;
        }
        Assert.AreEqual(top1, losses.RetrievalTop1, 1e-12);
        Assert.AreEqual(1.0, losses.RetrievalTop5, "k is capped at the batch of 3");
    }

    [TestMethod]
    public void PatchSentenceSimilarityIsTheCosineOfLocalEmbeddings()
    {
        using var scope = NewDisposeScope();
        var config = MaMATestModels.Small;
        using var model = MaMATestModels.Build(config, seed: 11, ScalarType.Float64);
        model.eval();
        var pixels = MaMATestModels.Pixels(3, 56, 42, seed: 12).to(ScalarType.Float64);
        var (ids, mask) = MaMATestModels.Captions(config, Lengths, Sentences, 32, seed: 13);
        using var result = model.ComputePatchSentenceSimilarity(pixels, ids, mask);
        Assert.AreEqual(4L, result.GridHeight);
        Assert.AreEqual(3L, result.GridWidth);
        CollectionAssert.AreEqual(new long[] { 3, 12, 3 }, result.Similarity.shape);
        var (patches, sentences) = LocalEmbeddings(model, pixels, ids);
        for (int b = 0; b < 3; b++)
            for (int s = 0; s < 3; s++)
            {
                Assert.AreEqual(s < Sentences[b], result.SentenceMask[b, s].item<bool>());
                for (int p = 0; p < 12; p++)
                {
                    double expected = s < Sentences[b] ? patches[b][p].dot(sentences[b][s]).item<double>() : 0;
                    Assert.AreEqual(expected, result.Similarity[b, p, s].item<double>(), 1e-12, $"pair {b}, patch {p}, sentence {s}");
                }
            }
        Numerics.AssertClose(result.Similarity[1, .., 2].reshape(4, 3), result.Map(1, 2), 0, "map");
    }

    [TestMethod]
    public void BackwardReachesAdaptersAndHeadsButNotTheFrozenBase()
    {
        using var scope = NewDisposeScope();
        var config = MaMATestModels.Small;
        using var model = MaMATestModels.Build(config, seed: 14);
        model.train();
        var (ids, mask) = MaMATestModels.Captions(config, [12, 20, 30, 16], [2, 1, 3, 2], 32, seed: 15);
        var batch = MaMABatch.Create(MaMATestModels.Pixels(4, 56, 56, 16), MaMATestModels.Pixels(4, 56, 56, 17), ids, mask, config.SeparatorTokenId);
        using (var losses = model.ComputeLosses(batch)) losses.Total.backward();
        var p = model.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        foreach (string name in new[] { "text_encoder_q.model.h.0.attn.c_attn.lora_A.weight", "text_encoder_q.model.h.1.attn.c_attn.lora_B.weight",
                     "img_encoder_q.model.blocks.0.attn.qkv.weight", "img_encoder_q.local_embed.head.0.weight", "text_encoder_q.local_embed.head.3.weight",
                     "simclr_proj.layers.0.weight", "scales.logit_scale", "scales.local_scale", "text_encoder_q.global_embed.weight" })
            Assert.IsGreaterThan(0.0, p[name].grad?.abs().sum().item<float>() ?? 0, $"{name} gets a gradient");
        foreach (string name in new[] { "text_encoder_q.model.h.0.attn.c_attn.weight", "text_encoder_q.model.wte.weight", "img_encoder_q.model.mask_token", "img_encoder_q.model.norm.weight" })
        {
            Assert.IsFalse(p[name].requires_grad, name);
            Assert.IsNull(p[name].grad, $"{name} gets no gradient");
        }
    }

    [TestMethod]
    public void SwitchesSelectTermsAndMissingSecondViewIsAClearError()
    {
        using var scope = NewDisposeScope();
        var config = MaMATestModels.Small;
        using var model = MaMATestModels.Build(config, seed: 18);
        var (ids, mask) = MaMATestModels.Captions(config, Lengths, Sentences, 32, seed: 19);
        var single = MaMABatch.Create(MaMATestModels.Pixels(3, 56, 56, 20), null, ids, mask, config.SeparatorTokenId);
        using (var clipOnly = model.ComputeLosses(single, MaMALossSwitches.ClipOnly))
            CollectionAssert.AreEqual(new[] { MaMALosses.ImageText }, clipOnly.Terms.Keys.ToArray());
        using (var local = model.ComputeLosses(single, MaMALossSwitches.ClipOnly with { LocalAlignment = true }))
            CollectionAssert.AreEqual(new[] { MaMALosses.ImageText, MaMALosses.LocalAlignment }, local.Terms.Keys.ToArray());
        var e = Assert.ThrowsExactly<ArgumentException>(() => model.ComputeLosses(single));
        StringAssert.Contains(e.Message, "second view");
        var wrongIds = MaMABatch.Create(MaMATestModels.Pixels(2, 56, 56, 21), null, ids, mask, config.SeparatorTokenId);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => model.ComputeLosses(wrongIds, MaMALossSwitches.ClipOnly)).Message, "[2, T]");
    }

    [TestMethod]
    public void LocalAlignmentCanBeFrozenForTheLateStart()
    {
        using var model = MaMATestModels.Build(MaMATestModels.Small, seed: 22);
        long before = model.TrainableParameters().Sum(p => p.Parameter.numel());
        model.SetLocalAlignmentTrainable(false);
        long localCount = model.ImageEncoder.LocalEmbed.parameters().Sum(p => p.numel()) + model.TextEncoder.LocalEmbed.parameters().Sum(p => p.numel()) + 1;
        Assert.AreEqual(before - localCount, model.TrainableParameters().Sum(p => p.Parameter.numel()));
        model.SetLocalAlignmentTrainable(true);
        Assert.AreEqual(before, model.TrainableParameters().Sum(p => p.Parameter.numel()));
    }

    // ---- independent references ----

    private static double[,] Matrix(Tensor images, Tensor texts, double scale)
    {
        int n = (int)images.shape[0];
        var m = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) m[i, j] = scale * images[i].dot(texts[j]).item<double>();
        return m;
    }

    private static double[,] Scale(double[,] m, double s)
    {
        var r = (double[,])m.Clone();
        for (int i = 0; i < r.GetLength(0); i++)
            for (int j = 0; j < r.GetLength(1); j++) r[i, j] *= s;
        return r;
    }

    private static double Clip(double[,] logits) => Numerics.DiagonalCrossEntropy(logits, false) + Numerics.DiagonalCrossEntropy(logits, true);

    private static double NtXent(Tensor z1, Tensor z2, double temperature)
    {
        var z = cat([z1, z2], 0);
        int n2 = (int)z.shape[0], n = n2 / 2;
        var rows = Enumerable.Range(0, n2).Select(i => z[i] / z[i].norm()).ToArray();
        double total = 0;
        for (int a = 0; a < n2; a++)
        {
            int positive = a < n ? a + n : a - n;
            double denominator = 0;
            for (int b = 0; b < n2; b++)
                if (b != a) denominator += Math.Exp(rows[a].dot(rows[b]).item<double>() / temperature);
            total += -(rows[a].dot(rows[positive]).item<double>() / temperature - Math.Log(denominator));
        }
        return total / n2;
    }

    // Patch embeddings per image and sentence embeddings per caption, each caption through the local head alone.
    private static (Tensor[] Patches, Tensor[] Sentences) LocalEmbeddings(MaMAModel model, Tensor pixels, Tensor ids)
    {
        using var noGrad = no_grad();
        var patchTokens = model.ImageEncoder.Backbone.forward(pixels).PatchTokens;
        var patches = F.normalize(model.ImageEncoder.LocalEmbed.forward(patchTokens), p: 2, dim: -1);
        var hidden = model.TextEncoder.Backbone.forward(ids, ids.ne(model.Config.Text.VocabSize + 1).to(ScalarType.Int64));
        long sep = model.Config.SeparatorTokenId;
        var sentences = new Tensor[ids.shape[0]];
        for (int b = 0; b < ids.shape[0]; b++)
        {
            var rows = Enumerable.Range(0, (int)ids.shape[1]).Where(t => ids[b, t].item<long>() == sep).Select(t => hidden[b, t]).ToArray();
            sentences[b] = F.normalize(model.TextEncoder.LocalEmbed.forward(stack(rows).unsqueeze(0)).squeeze(0), p: 2, dim: -1);
        }
        return (Enumerable.Range(0, (int)pixels.shape[0]).Select(b => patches[b]).ToArray(), sentences);
    }

    private static (double[,] TextToImage, double[,] ImageToText) LocalScores(MaMAModel model, Tensor pixels, Tensor ids)
    {
        var (patches, sentences) = LocalEmbeddings(model, pixels, ids);
        int n = patches.Length;
        double[,] t2i = new double[n, n], i2t = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                var sim = patches[i].matmul(sentences[j].t()); // [P, S]
                int p = (int)sim.shape[0], s = (int)sim.shape[1];
                double a = 0, b = 0;
                for (int k = 0; k < s; k++) a += Enumerable.Range(0, p).Max(q => sim[q, k].item<double>());
                for (int q = 0; q < p; q++) b += Enumerable.Range(0, s).Max(k => sim[q, k].item<double>());
                t2i[i, j] = a / s;
                i2t[i, j] = b / p;
            }
        return (t2i, i2t);
    }
}
