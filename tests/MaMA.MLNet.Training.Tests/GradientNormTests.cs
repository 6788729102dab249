using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaMA.MLNet.Training.Tests;

[TestClass]
public sealed class GradientNormTests
{
    private static (Parameter A, Parameter B, Parameter NoGrad) WithGradients()
    {
        var a = new Parameter(zeros(2, 2));
        a.grad = tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        var b = new Parameter(zeros(3));
        b.grad = tensor(new float[] { 0, -5, 1 }, [3]);
        var none = new Parameter(zeros(4));
        return (a, b, none);
    }

    [TestMethod]
    public void TheNormIsTheL2NormOfAllGradientsTogether()
    {
        var (a, b, none) = WithGradients();
        // 1 + 4 + 9 + 16 + 0 + 25 + 1 = 56
        Assert.AreEqual(Math.Sqrt(56), GradientNorm.Compute([a, b, none]), 1e-12);
        Assert.AreEqual(0.0, GradientNorm.Compute([none]));
    }

    [TestMethod]
    public void ClippingScalesEveryGradientToTheMaximumNorm()
    {
        var (a, b, none) = WithGradients();
        double norm = GradientNorm.Clip([a, b, none], maxNorm: 2.0);
        Assert.AreEqual(Math.Sqrt(56), norm, 1e-5);
        double scale = 2.0 / (Math.Sqrt(56) + 1e-6);
        var ga = a.grad!.data<float>().ToArray();
        var gb = b.grad!.data<float>().ToArray();
        float[] expectedA = [1, 2, 3, 4], expectedB = [0, -5, 1];
        for (int i = 0; i < 4; i++) Assert.AreEqual(expectedA[i] * scale, ga[i], 1e-6);
        for (int i = 0; i < 3; i++) Assert.AreEqual(expectedB[i] * scale, gb[i], 1e-6);
        Assert.AreEqual(2.0, GradientNorm.Compute([a, b]), 1e-5);
        Assert.IsNull(none.grad);
    }

    [TestMethod]
    public void GradientsBelowTheMaximumAreLeftAlone()
    {
        var (a, b, _) = WithGradients();
        GradientNorm.Clip([a, b], maxNorm: 100.0);
        CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4 }, a.grad!.data<float>().ToArray());
    }

    [TestMethod]
    public void ANonFiniteGradientGivesANonFiniteNorm()
    {
        var (a, b, _) = WithGradients();
        b.grad = tensor(new float[] { 0, float.PositiveInfinity, 1 }, [3]);
        Assert.IsFalse(double.IsFinite(GradientNorm.Compute([a, b])));
    }
}
