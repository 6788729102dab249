using MaMA.MLNet.Modeling.Heads;
using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.Heads;

/// <summary><see cref="TrackedBatchNorm1d"/> against TorchSharp's own BatchNorm1d: outputs, running statistics, state-dict.</summary>
[TestClass]
public sealed class TrackedBatchNorm1dTests
{
    [TestMethod]
    [DataRow(true, 2)]
    [DataRow(false, 3)]
    public void MatchesTorchSharpsBatchNorm1dInTrainingAndEval(bool affine, int rank)
    {
        using var scope = NewDisposeScope();
        using var ours = new TrackedBatchNorm1d(5, affine);
        using var reference = nn.BatchNorm1d(5, affine: affine);
        if (affine)
        {
            using var noGrad = no_grad();
            var weight = linspace(0.5, 1.5, 5);
            var bias = linspace(-0.2, 0.3, 5);
            foreach (var module in new nn.Module[] { ours, reference })
            {
                var state = module.state_dict();
                state["weight"].copy_(weight);
                state["bias"].copy_(bias);
            }
        }
        CollectionAssert.AreEquivalent(reference.state_dict().Keys.ToList(), ours.state_dict().Keys.ToList());
        var g = new Generator(11);
        for (int step = 0; step < 3; step++)
        {
            var x = rank == 2 ? randn([6, 5], generator: g) : randn([6, 5, 4], generator: g);
            AssertClose(reference.forward(x), ours.forward(x), $"training step {step}");
        }
        foreach (string buffer in new[] { "running_mean", "running_var", "num_batches_tracked" })
            AssertClose(reference.state_dict()[buffer], ours.state_dict()[buffer], buffer);
        Assert.AreEqual(3L, ours.state_dict()["num_batches_tracked"].item<long>());
        ours.eval();
        reference.eval();
        var y = rank == 2 ? randn([2, 5], generator: g) : randn([2, 5, 4], generator: g);
        AssertClose(reference.forward(y), ours.forward(y), "eval");
    }

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        CollectionAssert.AreEqual(expected.shape, actual.shape, what);
        Assert.IsTrue(allclose(expected.to(ScalarType.Float64), actual.to(ScalarType.Float64), rtol: 1e-6, atol: 1e-6), what);
    }
}
