using MaMA.MLNet.Imaging.Pixels;

namespace MaMA.MLNet.Imaging.Tests.Pixels;

[TestClass]
public sealed class VoiWindowFunctionsTests
{
    // c = 100, w = 51: LINEAR's ramp runs over (c - 0.5 - 25, c - 0.5 + 25] = (74.5, 124.5].
    [TestMethod]
    public void Linear_MatchesTheStandardsPiecewiseFormAtItsBreakpoints()
    {
        Assert.AreEqual(0.0, VoiWindowFunctions.Linear(74.5, 100, 51), 1e-12);
        Assert.AreEqual(0.0, VoiWindowFunctions.Linear(10, 100, 51), 1e-12);
        Assert.AreEqual(1.0, VoiWindowFunctions.Linear(124.6, 100, 51), 1e-12);
        Assert.AreEqual(1.0, VoiWindowFunctions.Linear(4000, 100, 51), 1e-12);
        // At x = c - 0.5 the ramp is at its middle.
        Assert.AreEqual(0.5, VoiWindowFunctions.Linear(99.5, 100, 51), 1e-12);
        // At the top breakpoint the formula gives exactly 1: ((124.5 - 99.5) / 50 + 0.5).
        Assert.AreEqual(1.0, VoiWindowFunctions.Linear(124.5, 100, 51), 1e-12);
        // One step above the bottom: (75.5 - 99.5) / 50 + 0.5 = 0.02.
        Assert.AreEqual(0.02, VoiWindowFunctions.Linear(75.5, 100, 51), 1e-12);
    }

    [TestMethod]
    public void Linear_WidthOneIsAStepAtCenterMinusHalf()
    {
        Assert.AreEqual(0.0, VoiWindowFunctions.Linear(9.5, 10, 1), 1e-12);
        Assert.AreEqual(1.0, VoiWindowFunctions.Linear(9.6, 10, 1), 1e-12);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => VoiWindowFunctions.Linear(0, 10, 0.5));
    }

    [TestMethod]
    public void LinearExact_MatchesTheStandardsPiecewiseForm()
    {
        Assert.AreEqual(0.0, VoiWindowFunctions.LinearExact(75, 100, 50), 1e-12);
        Assert.AreEqual(1.0, VoiWindowFunctions.LinearExact(125.001, 100, 50), 1e-12);
        Assert.AreEqual(0.5, VoiWindowFunctions.LinearExact(100, 100, 50), 1e-12);
        Assert.AreEqual(0.8, VoiWindowFunctions.LinearExact(115, 100, 50), 1e-12);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => VoiWindowFunctions.LinearExact(0, 10, 0));
    }

    [TestMethod]
    public void Sigmoid_IsHalfAtCenterAndFollowsTheLogistic()
    {
        Assert.AreEqual(0.5, VoiWindowFunctions.Sigmoid(300, 300, 80), 1e-12);
        // x - c = w/4 gives 1 / (1 + e^-1).
        Assert.AreEqual(1 / (1 + Math.Exp(-1)), VoiWindowFunctions.Sigmoid(320, 300, 80), 1e-12);
        Assert.AreEqual(1 / (1 + Math.Exp(2)), VoiWindowFunctions.Sigmoid(260, 300, 80), 1e-12);
    }
}
