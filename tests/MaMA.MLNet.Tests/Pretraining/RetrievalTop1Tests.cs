using MaMA.MLNet.Pretraining;

namespace MaMA.MLNet.Tests.Pretraining;

/// <summary><see cref="MaMAZeroShotEvaluation.Top1Hits"/> on similarity matrices whose answers are counted by hand.</summary>
[TestClass]
public sealed class RetrievalTop1Tests
{
    [TestMethod]
    public void HitsAreRowsWhoseOwnColumnIsStrictlyTheLargest()
    {
        // 4 images x 3 distinct captions; own captions 0, 2, 1, 1.
        float[] similarity =
        [
            0.9f, 0.1f, 0.2f,   // own 0 largest: hit
            0.3f, 0.8f, 0.5f,   // own 2 is not the largest: miss
            0.4f, 0.4f, 0.1f,   // own 1 ties with column 0: miss
            -0.5f, -0.1f, -0.2f, // own 1 largest (all negative): hit
        ];
        Assert.AreEqual(0.5, MaMAZeroShotEvaluation.Top1Hits(similarity, 3, [0, 2, 1, 1]), 1e-12);
    }

    [TestMethod]
    public void AllTiedRowsAreMisses()
    {
        float[] collapsed = [0.3f, 0.3f, 0.3f, 0.3f];
        Assert.AreEqual(0.0, MaMAZeroShotEvaluation.Top1Hits(collapsed, 2, [0, 1]));
        Assert.AreEqual(1.0, MaMAZeroShotEvaluation.Top1Hits([1f], 1, [0]), "one candidate is always a hit");
    }

    [TestMethod]
    public void AMatrixOfTheWrongSizeIsRefused()
    {
        Assert.ThrowsExactly<ArgumentException>(() => MaMAZeroShotEvaluation.Top1Hits(new float[5], 2, [0, 1]));
        Assert.ThrowsExactly<ArgumentException>(() => MaMAZeroShotEvaluation.Top1Hits(new float[4], 0, [0, 1]));
    }
}
