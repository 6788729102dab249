using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Vision;

/// <summary>
/// Stochastic depth: in training, zeroes a residual branch for a whole sample with probability p and scales the
/// kept ones by 1 / (1 - p), so the expectation is unchanged; the identity in evaluation or when p = 0.
/// </summary>
public sealed class DropPath : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the module with drop probability <paramref name="probability"/>.</summary>
    public DropPath(double probability) : base(nameof(DropPath))
    {
        if (probability is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(probability), probability, "Drop probability must be in [0, 1).");
        Probability = probability;
    }

    /// <summary>Probability of dropping a sample's branch.</summary>
    public double Probability { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        if (!training || Probability == 0) return x.alias();
        double keep = 1 - Probability;
        var maskShape = new long[x.dim()];
        maskShape[0] = x.shape[0];
        for (int i = 1; i < maskShape.Length; i++) maskShape[i] = 1;
        using var mask = empty(maskShape, x.dtype, x.device).bernoulli_(keep).DivideInPlace(keep);
        return x * mask;
    }
}
