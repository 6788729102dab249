using MaMA.MLNet.Modeling.Losses;
using static TorchSharp.torch;

namespace MaMA.MLNet.Training.Tests;

[TestClass]
public sealed class RetrievalAccuracyTests
{
    [TestMethod]
    public void TopKCountsRowsWhoseDiagonalIsAmongTheKLargest()
    {
        // Row 0: diagonal is largest (rank 1). Row 1: diagonal ranks 2nd. Row 2: diagonal ranks 3rd. Row 3: rank 4.
        using var logits = tensor(new float[]
        {
            9, 1, 2, 3,
            5, 4, 1, 0,
            7, 8, 6, 0,
            4, 3, 2, 1,
        }, [4, 4]);
        Assert.AreEqual(0.25, RetrievalAccuracy.RowTopK(logits, 1), 1e-12);
        Assert.AreEqual(0.50, RetrievalAccuracy.RowTopK(logits, 2), 1e-12);
        Assert.AreEqual(0.75, RetrievalAccuracy.RowTopK(logits, 3), 1e-12);
        Assert.AreEqual(1.00, RetrievalAccuracy.RowTopK(logits, 5), 1e-12);
    }

    [TestMethod]
    public void ANonSquareMatrixIsRejected()
    {
        using var logits = zeros(2, 3);
        Assert.ThrowsExactly<ArgumentException>(() => RetrievalAccuracy.RowTopK(logits, 1));
    }
}
