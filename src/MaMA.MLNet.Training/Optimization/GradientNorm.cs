using MaMA.MLNet.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaMA.MLNet.Training;

/// <summary>The global L2 norm of gradients, and clipping by it.</summary>
public static class GradientNorm
{
    /// <summary>
    /// The L2 norm of all gradients taken together (as if concatenated into one vector); parameters without a
    /// gradient count as zero. NaN or infinity when any gradient holds one.
    /// </summary>
    public static double Compute(IEnumerable<Parameter> parameters)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Tensor? sumOfSquares = null;
        foreach (var p in parameters)
        {
            var g = p.grad;
            if (g is null) continue;
            var s = g.to_type(ScalarType.Float64).square().sum();
            sumOfSquares = sumOfSquares is null ? s : sumOfSquares.Plus(s);
        }
        return sumOfSquares is null ? 0.0 : Math.Sqrt(sumOfSquares.item<double>());
    }

    /// <summary>
    /// Scales all gradients in place so their global norm is at most <paramref name="maxNorm"/>, through
    /// <c>torch.nn.utils.clip_grad_norm_</c> (scale factor <c>maxNorm / (norm + 1e-6)</c>, applied only when below 1).
    /// Returns the norm before clipping.
    /// </summary>
    public static double Clip(IEnumerable<Parameter> parameters, double maxNorm)
    {
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "The clipping norm must be positive.");
        var withGrad = new List<Parameter>();
        foreach (var p in parameters)
        {
            using var g = p.grad;
            if (g is not null) withGrad.Add(p);
        }
        return withGrad.Count == 0 ? 0.0 : nn.utils.clip_grad_norm_(withGrad, maxNorm);
    }
}
