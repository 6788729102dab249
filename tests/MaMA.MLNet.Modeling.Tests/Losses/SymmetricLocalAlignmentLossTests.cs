using MaMA.MLNet.Modeling.Losses;
using MaMA.MLNet.Modeling.Tests.TestSupport;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.Losses;

[TestClass]
public sealed class SymmetricLocalAlignmentLossTests
{
    private const int B = 3, P = 4, Smax = 3, C = 5;
    private static readonly int[] SentenceCounts = [2, 3, 1];

    private static (Tensor Patches, Tensor Sentences, Tensor Mask) Inputs(int seed)
    {
        manual_seed(seed);
        var patches = nn.functional.normalize(randn(B, P, C, dtype: ScalarType.Float64), dim: -1);
        var sentences = nn.functional.normalize(randn(B, Smax, C, dtype: ScalarType.Float64), dim: -1);
        var mask = zeros(B, Smax, ScalarType.Bool);
        for (int j = 0; j < B; j++) mask[j, ..SentenceCounts[j]] = tensor(true);
        // Padding holds large values: if it leaked into a max or mean the results would change visibly.
        sentences = sentences.masked_fill(mask.logical_not().unsqueeze(-1), 3.0);
        return (patches, sentences, mask);
    }

    private static (double[,] T2I, double[,] I2T) HandScores(Tensor patches, Tensor sentences)
    {
        double[] pv = Numerics.ToDoubles(patches), sv = Numerics.ToDoubles(sentences);
        double Dot(int i, int p, int j, int s)
        {
            double d = 0;
            for (int c = 0; c < C; c++) d += pv[(i * P + p) * C + c] * sv[(j * Smax + s) * C + c];
            return d;
        }
        var t2i = new double[B, B];
        var i2t = new double[B, B];
        for (int i = 0; i < B; i++)
            for (int j = 0; j < B; j++)
            {
                int count = SentenceCounts[j];
                double sum = 0;
                for (int s = 0; s < count; s++)
                {
                    double best = double.NegativeInfinity;
                    for (int p = 0; p < P; p++) best = Math.Max(best, Dot(i, p, j, s));
                    sum += best;
                }
                t2i[i, j] = sum / count;
                sum = 0;
                for (int p = 0; p < P; p++)
                {
                    double best = double.NegativeInfinity;
                    for (int s = 0; s < count; s++) best = Math.Max(best, Dot(i, p, j, s));
                    sum += best;
                }
                i2t[i, j] = sum / P;
            }
        return (t2i, i2t);
    }

    [TestMethod]
    public void ScoresEqualTheHandComputedMaxMean()
    {
        using var scope = NewDisposeScope();
        var (patches, sentences, mask) = Inputs(5);
        var (t2i, i2t) = SymmetricLocalAlignmentLoss.Scores(patches, sentences, mask);
        var (handT2I, handI2T) = HandScores(patches, sentences);
        Numerics.AssertClose(tensor(handT2I), t2i, 1e-12, "text->image");
        Numerics.AssertClose(tensor(handI2T), i2t, 1e-12, "image->text");
    }

    [TestMethod]
    public void LossEqualsTheHandComputedValue()
    {
        using var scope = NewDisposeScope();
        var (patches, sentences, mask) = Inputs(6);
        double logScale = 0.9;
        var (handT2I, handI2T) = HandScores(patches, sentences);
        double scale = Math.Exp(logScale);
        for (int i = 0; i < B; i++)
            for (int j = 0; j < B; j++) { handT2I[i, j] *= scale; handI2T[i, j] *= scale; }
        double expected = Numerics.DiagonalCrossEntropy(handT2I, false) + Numerics.DiagonalCrossEntropy(handT2I, true)
                        + Numerics.DiagonalCrossEntropy(handI2T, false) + Numerics.DiagonalCrossEntropy(handI2T, true);
        double actual = new SymmetricLocalAlignmentLoss().forward(patches, sentences, mask, tensor(logScale)).item<double>();
        Assert.AreEqual(expected, actual, 1e-12);
    }

    [TestMethod]
    public void GradientMatchesFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        var (patches, sentences, mask) = Inputs(7);
        var loss = new SymmetricLocalAlignmentLoss();
        var logScale = tensor(0.4, ScalarType.Float64);
        Numerics.CheckGradient(patches, x => loss.forward(x, sentences, mask, logScale), tolerance: 1e-5);
        Numerics.CheckGradient(sentences, x => loss.forward(patches, x, mask, logScale), tolerance: 1e-5);
        Numerics.CheckGradient(logScale, s => loss.forward(patches, sentences, mask, s), tolerance: 1e-5);
    }

    [TestMethod]
    public void CaptionWithoutSentencesIsRejected()
    {
        using var scope = NewDisposeScope();
        var (patches, sentences, mask) = Inputs(8);
        mask[2] = tensor(false);
        var error = Assert.ThrowsExactly<ArgumentException>(() => SymmetricLocalAlignmentLoss.Scores(patches, sentences, mask));
        StringAssert.Contains(error.Message, "at least one sentence");
    }
}
