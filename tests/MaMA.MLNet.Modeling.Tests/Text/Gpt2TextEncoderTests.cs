using MaMA.MLNet.Modeling.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.Text;

[TestClass]
public sealed class Gpt2TextEncoderTests
{
    private static readonly long[][] Ids = [[5, 17, 3, 90, 41, 7], [1, 2, 3, 4, 5, 6]];

    private static Gpt2TextEncoder TinyFloat64(long seed = 11)
    {
        TorchRuntime.Seed(seed);
        var encoder = new Gpt2TextEncoder(Gpt2Config.Tiny);
        encoder.to(ScalarType.Float64);
        Gpt2Reference.Randomise(encoder);
        encoder.eval();
        return encoder;
    }

    [TestMethod]
    public void StateDictNamesAndShapesFollowTheContract()
    {
        using var scope = NewDisposeScope();
        var c = Gpt2Config.Tiny;
        using var encoder = new Gpt2TextEncoder(c);
        var sd = encoder.state_dict();
        var expected = new Dictionary<string, long[]>
        {
            ["wte.weight"] = [c.VocabSize, c.Width],
            ["wpe.weight"] = [c.ContextLength, c.Width],
            ["ln_f.weight"] = [c.Width],
            ["ln_f.bias"] = [c.Width],
        };
        for (int i = 0; i < c.Layers; i++)
        {
            expected[$"h.{i}.ln_1.weight"] = [c.Width];
            expected[$"h.{i}.ln_1.bias"] = [c.Width];
            expected[$"h.{i}.attn.c_attn.weight"] = [3 * c.Width, c.Width];
            expected[$"h.{i}.attn.c_attn.bias"] = [3 * c.Width];
            expected[$"h.{i}.attn.c_proj.weight"] = [c.Width, c.Width];
            expected[$"h.{i}.attn.c_proj.bias"] = [c.Width];
            expected[$"h.{i}.ln_2.weight"] = [c.Width];
            expected[$"h.{i}.ln_2.bias"] = [c.Width];
            expected[$"h.{i}.mlp.c_fc.weight"] = [4 * c.Width, c.Width];
            expected[$"h.{i}.mlp.c_fc.bias"] = [4 * c.Width];
            expected[$"h.{i}.mlp.c_proj.weight"] = [c.Width, 4 * c.Width];
            expected[$"h.{i}.mlp.c_proj.bias"] = [c.Width];
        }
        CollectionAssert.AreEquivalent(expected.Keys.ToList(), sd.Keys.ToList());
        foreach (var (name, shape) in expected)
            CollectionAssert.AreEqual(shape, sd[name].shape, name);
    }

    [TestMethod]
    public void ForwardMatchesTheHandWrittenFloat64Reference()
    {
        using var scope = NewDisposeScope();
        using var encoder = TinyFloat64();
        using var _ = no_grad();
        var actual = encoder.forward(Gpt2Reference.Ids(Ids), null);
        var expected = Gpt2Reference.Forward(encoder.state_dict(), encoder.Config, Ids);
        CollectionAssert.AreEqual(new long[] { 2, 6, 32 }, actual.shape);
        Assert.AreEqual(ScalarType.Float64, actual.dtype);
        Assert.AreEqual(0, Gpt2Reference.MaxAbsDiff(actual, expected), 1e-10);
    }

    [TestMethod]
    public void ForwardWithPaddingMatchesTheReferenceAtEveryPosition()
    {
        using var scope = NewDisposeScope();
        using var encoder = TinyFloat64(12);
        using var _ = no_grad();
        // Right padding as the caption tokenizer produces it, and (second row) a row starting with padding.
        int[][] mask = [[1, 1, 1, 1, 0, 0], [0, 0, 1, 1, 1, 1]];
        var actual = encoder.forward(Gpt2Reference.Ids(Ids), Gpt2Reference.Mask(mask));
        var expected = Gpt2Reference.Forward(encoder.state_dict(), encoder.Config, Ids, mask);
        Assert.AreEqual(0, Gpt2Reference.MaxAbsDiff(actual, expected), 1e-10);
    }

    [TestMethod]
    public void RealTokensDoNotSeeTrailingPadding()
    {
        using var scope = NewDisposeScope();
        using var encoder = TinyFloat64(13);
        using var _ = no_grad();
        long[][] shortIds = [[5, 17, 3, 90]];
        long[][] padded = [[5, 17, 3, 90, 0, 0, 0]];
        var alone = encoder.forward(Gpt2Reference.Ids(shortIds), null);
        var withPadding = encoder.forward(Gpt2Reference.Ids(padded), Gpt2Reference.Mask([[1, 1, 1, 1, 0, 0, 0]]));
        Assert.AreEqual(0, Gpt2Reference.MaxAbsDiff(alone, withPadding.narrow(1, 0, 4)), 1e-12);
    }

    [TestMethod]
    public void CausalityMeansLaterTokensDoNotChangeEarlierStates()
    {
        using var scope = NewDisposeScope();
        using var encoder = TinyFloat64(14);
        using var _ = no_grad();
        var a = encoder.forward(Gpt2Reference.Ids([[5, 17, 3, 90, 41]]), null);
        var b = encoder.forward(Gpt2Reference.Ids([[5, 17, 3, 11, 12]]), null);
        Assert.AreEqual(0, Gpt2Reference.MaxAbsDiff(a.narrow(1, 0, 3), b.narrow(1, 0, 3)), 1e-12);
        Assert.IsGreaterThan(1e-3, Gpt2Reference.MaxAbsDiff(a.narrow(1, 3, 1), b.narrow(1, 3, 1)));
    }

    [TestMethod]
    public void TrainingModeAppliesDropoutAndEvalModeIsDeterministic()
    {
        using var scope = NewDisposeScope();
        using var encoder = TinyFloat64(15);
        var ids = Gpt2Reference.Ids(Ids);
        using (no_grad())
        {
            var e1 = encoder.forward(ids, null);
            var e2 = encoder.forward(ids, null);
            Assert.AreEqual(0, Gpt2Reference.MaxAbsDiff(e1, e2));
            encoder.train();
            var t1 = encoder.forward(ids, null);
            Assert.IsGreaterThan(1e-6, Gpt2Reference.MaxAbsDiff(e1, t1));
        }
    }

    [TestMethod]
    public void BadInputsGetClearErrors()
    {
        using var scope = NewDisposeScope();
        using var encoder = new Gpt2TextEncoder(Gpt2Config.Tiny);
        Assert.ThrowsExactly<ArgumentException>(() => encoder.forward(tensor(new long[] { 1, 2 }), null));
        Assert.ThrowsExactly<ArgumentException>(() => encoder.forward(zeros(1, 33, dtype: ScalarType.Int64), null));
        Assert.ThrowsExactly<ArgumentException>(() => encoder.forward(full(1, 4, 96L, dtype: ScalarType.Int64), null));
        Assert.ThrowsExactly<ArgumentException>(() => encoder.forward(zeros(1, 4, dtype: ScalarType.Int32), null));
        Assert.ThrowsExactly<ArgumentException>(() => encoder.forward(zeros(1, 4, dtype: ScalarType.Int64), ones(1, 5, dtype: ScalarType.Int64)));
        Assert.ThrowsExactly<ArgumentException>(() => new Gpt2TextEncoder(Gpt2Config.Tiny with { Heads = 5 }));
    }

    [TestMethod]
    public void ResizeKeepsOldRowsAndFillsNewRowsWithTheMean()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(3);
        using var encoder = new Gpt2TextEncoder(Gpt2Config.Tiny);
        var before = encoder.TokenEmbedding.Weight.detach().clone();
        encoder.ResizeTokenEmbeddings(102);
        var after = encoder.TokenEmbedding.Weight;
        CollectionAssert.AreEqual(new long[] { 102, 32 }, after.shape);
        Assert.AreEqual(102, encoder.Config.VocabSize);
        Assert.AreEqual(0, Gpt2Reference.MaxAbsDiff(before, after.narrow(0, 0, 96)));
        double[] old = before.to(ScalarType.Float64).data<double>().ToArray();
        for (int col = 0; col < 32; col += 7)
        {
            double mean = Enumerable.Range(0, 96).Average(r => old[r * 32 + col]);
            for (int row = 96; row < 102; row++)
                Assert.AreEqual(mean, after[row, col].to(ScalarType.Float64).item<double>(), 1e-6);
        }
        Assert.IsTrue(after.requires_grad);
        // The encoder accepts the new ids.
        using var _ = no_grad();
        Assert.AreEqual(3, encoder.forward(tensor(new long[] { 101, 96, 4 }).unsqueeze(0), null).shape[1]);
    }

    [TestMethod]
    public void NormalResizeDrawsRowsWithGpt2InitialiserSpread()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(4);
        using var encoder = new Gpt2TextEncoder(Gpt2Config.Tiny with { Width = 64, Heads = 4 });
        encoder.ResizeTokenEmbeddings(96 + 200, EmbeddingResizeInit.Normal);
        var added = encoder.TokenEmbedding.Weight.narrow(0, 96, 200);
        Assert.AreEqual(0.02, added.std().item<float>(), 0.002);
        Assert.AreEqual(0, added.mean().item<float>(), 0.002);
    }
}
