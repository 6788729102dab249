using MaMA.MLNet.Modeling.Losses;
using MaMA.MLNet.Modeling.MaMA;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.MaMA;

/// <summary>
/// The chance values against the loss code itself: with every embedding the same vector no pair can be told from
/// another (all scores of a row equal), which is what "at chance" means; each loss module must then give the value.
/// </summary>
[TestClass]
public sealed class MaMALossChanceTests
{
    private const int C = 6;

    private static Tensor Same(params long[] shape)
    {
        using var scope = NewDisposeScope();
        var v = nn.functional.normalize(arange(1, C + 1, dtype: ScalarType.Float64), dim: 0);
        return v.expand([.. shape, C]).contiguous().MoveToOuterDisposeScope();
    }

    [TestMethod]
    [DataRow(2)]
    [DataRow(5)]
    [DataRow(32)]
    public void EachTermEqualsItsChanceValueWhenNoPairCanBeToldApart(int b)
    {
        using var scope = NewDisposeScope();
        var logScale = tensor(Math.Log(1 / 0.07), ScalarType.Float64);
        double clip = new ClipLoss().forward(Same(b), Same(b), logScale).item<double>();
        Assert.AreEqual(MaMALossChance.Of(MaMALosses.ImageText, b)!.Value, clip, 1e-9);
        Assert.AreEqual(MaMALossChance.Of(MaMALosses.SecondViewText, b)!.Value, clip, 1e-9);

        double ntXent = new NtXentLoss(0.5).forward(Same(b), Same(b)).item<double>();
        Assert.AreEqual(MaMALossChance.Of(MaMALosses.MultiView, b)!.Value, ntXent, 1e-9);

        var mask = ones(b, 3, ScalarType.Bool);
        mask[0, 2] = tensor(false);
        double local = new SymmetricLocalAlignmentLoss().forward(Same(b, 4), Same(b, 3), mask, logScale).item<double>();
        Assert.AreEqual(MaMALossChance.Of(MaMALosses.LocalAlignment, b)!.Value, local, 1e-9);
    }

    [TestMethod]
    public void ClosedFormsAtBatch32AndUnknownTerms()
    {
        Assert.AreEqual(2 * Math.Log(32), MaMALossChance.Of(MaMALosses.ImageText, 32)!.Value, 1e-12);
        Assert.AreEqual(Math.Log(63), MaMALossChance.Of(MaMALosses.MultiView, 32)!.Value, 1e-12);
        Assert.AreEqual(4 * Math.Log(32), MaMALossChance.Of(MaMALosses.LocalAlignment, 32)!.Value, 1e-12);
        Assert.IsNull(MaMALossChance.Of("mse", 32));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => MaMALossChance.Of(MaMALosses.ImageText, 1));
    }
}
