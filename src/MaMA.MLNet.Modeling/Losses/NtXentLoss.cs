using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Losses;

/// <summary>
/// NT-Xent (SimCLR / SLIP <c>SIMCLRLoss</c>, lightly <c>NTXentLoss</c> without memory bank). The 2N vectors
/// z = [z1; z2] are L2-normalised here; sim(a, b) = z_a . z_b / temperature. For each of the 2N anchors a with
/// positive p (z1_i pairs with z2_i):
/// <code>l(a) = -log( exp(sim(a, p)) / sum over b != a of exp(sim(a, b)) )</code>
/// i.e. one positive and 2N - 2 negatives; the loss is the mean of l over the 2N anchors. Temperature 0.5 in MaMA.
/// </summary>
public sealed class NtXentLoss : nn.Module<Tensor, Tensor, Tensor>
{
    /// <summary>Creates the loss with the given temperature.</summary>
    public NtXentLoss(double temperature = 0.5) : base(nameof(NtXentLoss))
    {
        if (!(Math.Abs(temperature) >= 1e-8)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "Temperature must not be (close to) zero.");
        Temperature = temperature;
    }

    /// <summary>The softmax temperature.</summary>
    public double Temperature { get; }

    /// <summary>The loss for two views [N, C] and [N, C] (N at least 2).</summary>
    public override Tensor forward(Tensor z1, Tensor z2)
    {
        if (z1.dim() != 2 || !z1.shape.SequenceEqual(z2.shape))
            throw new ArgumentException($"Expected two [N, C] projections of equal shape, got [{string.Join(", ", z1.shape)}] and [{string.Join(", ", z2.shape)}].");
        long n = z1.shape[0];
        if (n < 2) throw new ArgumentException("NT-Xent needs at least two pairs: with one there are no negatives.");
        using var scope = NewDisposeScope();
        var z = nn.functional.normalize(cat([z1, z2], 0), dim: 1);
        var self = eye(2 * n, dtype: ScalarType.Bool, device: z.device);
        var logits = z.matmul(z.t()).DividedBy(Temperature).FilledWhere(self, ExplicitScalars.NegativeInfinity);
        var index = ExplicitScalars.Range(n, z.device);
        var targets = cat([index.Plus(n), index], 0);
        return nn.functional.cross_entropy(logits, targets).MoveToOuterDisposeScope();
    }
}
