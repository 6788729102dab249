using MaMA.MLNet.Modeling.Losses;
using MaMA.MLNet.Modeling.Tests.TestSupport;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.Losses;

[TestClass]
public sealed class ClipLossTests
{
    [TestMethod]
    public void LossEqualsTheHandComputedSymmetricCrossEntropy()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var image = nn.functional.normalize(randn(5, 3, dtype: ScalarType.Float64), dim: 1);
        var text = nn.functional.normalize(randn(5, 3, dtype: ScalarType.Float64), dim: 1);
        double logScale = 1.3;
        double[] iv = Numerics.ToDoubles(image), tv = Numerics.ToDoubles(text);
        var logits = new double[5, 5];
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 5; j++)
            {
                double dot = 0;
                for (int c = 0; c < 3; c++) dot += iv[i * 3 + c] * tv[j * 3 + c];
                logits[i, j] = Math.Exp(logScale) * dot;
            }
        double expected = Numerics.DiagonalCrossEntropy(logits, false) + Numerics.DiagonalCrossEntropy(logits, true);

        double actual = new ClipLoss().forward(image, text, tensor(logScale)).item<double>();
        Assert.AreEqual(expected, actual, 1e-12);
    }

    [TestMethod]
    public void GradientMatchesFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var image = randn(4, 3, dtype: ScalarType.Float64);
        var text = randn(4, 3, dtype: ScalarType.Float64);
        var loss = new ClipLoss();
        Numerics.CheckGradient(image, x => loss.forward(x, text, tensor(0.7, ScalarType.Float64)));
        Numerics.CheckGradient(tensor(0.7, ScalarType.Float64), s => loss.forward(image, text, s));
    }

    [TestMethod]
    public void RetrievalAccuracyCountsRowsAndColumns()
    {
        using var scope = NewDisposeScope();
        // Rows: row 0 best at 0 (hit), row 1 best at 0 (miss, col 1 second), row 2 best at 2 (hit).
        var logits = tensor(new double[,] { { 9, 1, 0 }, { 5, 4, 0 }, { 0, 1, 7 } });
        Assert.AreEqual(2.0 / 3, RetrievalAccuracy.RowTopK(logits, 1), 1e-12);
        Assert.AreEqual(1.0, RetrievalAccuracy.RowTopK(logits, 2), 1e-12);
        // Columns: col 0 best at row 0 (hit), col 1 best at row 1 (hit: 4 > 1), col 2 best at row 2 (hit).
        Assert.AreEqual((2.0 / 3 + 1.0) / 2, RetrievalAccuracy.Bidirectional(logits, 1), 1e-12);
        var (top1, top5) = RetrievalAccuracy.Compute(logits);
        Assert.AreEqual((2.0 / 3 + 1.0) / 2, top1, 1e-12);
        Assert.AreEqual(1.0, top5, 1e-12); // k capped at the batch size
    }

    [TestMethod]
    public void MismatchedShapesAreRejected()
    {
        using var scope = NewDisposeScope();
        Assert.ThrowsExactly<ArgumentException>(() => new ClipLoss().forward(zeros(3, 4), zeros(2, 4), tensor(0.0)));
        Assert.ThrowsExactly<ArgumentException>(() => ClipLoss.SymmetricCrossEntropy(zeros(2, 3)));
    }
}
