using MaMA.MLNet.Modeling.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.Text;

[TestClass]
public sealed class TextFeaturesTests
{
    // hidden[b, s, :] = [100 b + s, -(100 b + s)], so every expected value can be written down by hand.
    private static Tensor Hidden(int b, int s)
    {
        var values = new float[b * s * 2];
        for (int i = 0; i < b; i++)
            for (int t = 0; t < s; t++)
            {
                values[(i * s + t) * 2] = 100 * i + t;
                values[(i * s + t) * 2 + 1] = -(100 * i + t);
            }
        return tensor(values).reshape(b, s, 2);
    }

    [TestMethod]
    public void MaskedMeanAveragesRealTokensOnly()
    {
        using var scope = NewDisposeScope();
        var mask = Gpt2Reference.Mask([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]);
        var pooled = TextFeatures.Global(Hidden(2, 5), mask);
        CollectionAssert.AreEqual(new float[] { 1, -1, 102, -102 }, pooled.data<float>().ToArray());
    }

    [TestMethod]
    public void PaddedMeanIsThePlainMeanOverAllPositions()
    {
        using var scope = NewDisposeScope();
        var mask = Gpt2Reference.Mask([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]);
        var pooled = TextFeatures.Global(Hidden(2, 5), mask, TextPooling.PaddedMean);
        CollectionAssert.AreEqual(new float[] { 2, -2, 102, -102 }, pooled.data<float>().ToArray());
    }

    [TestMethod]
    public void SentenceFeaturesAreTheStatesAtSeparatorsPaddedToTheLongestCaption()
    {
        using var scope = NewDisposeScope();
        const long sep = 9;
        var ids = Gpt2Reference.Ids([[1, 5, sep, 6, sep, 2, 0], [1, sep, 7, 8, sep, 5, sep], [1, 2, 3, 4, 5, 6, 7]]);
        using var sentences = TextFeatures.AtSeparators(Hidden(3, 7), ids, sep);
        CollectionAssert.AreEqual(new long[] { 3, 3, 2 }, sentences.Features.shape);
        CollectionAssert.AreEqual(new[] { true, true, false, true, true, true, false, false, false }, sentences.Mask.data<bool>().ToArray());
        CollectionAssert.AreEqual(
            new float[] { 2, -2, 4, -4, 0, 0, 101, -101, 104, -104, 106, -106, 0, 0, 0, 0, 0, 0 },
            sentences.Features.data<float>().ToArray());
    }

    [TestMethod]
    public void ShapeErrorsAreReported()
    {
        using var scope = NewDisposeScope();
        Assert.ThrowsExactly<ArgumentException>(() => TextFeatures.Global(Hidden(2, 5), ones(2, 4)));
        Assert.ThrowsExactly<ArgumentException>(() => TextFeatures.AtSeparators(Hidden(2, 5).flatten(), ones(2, 5, dtype: ScalarType.Int64), 1));
    }
}
