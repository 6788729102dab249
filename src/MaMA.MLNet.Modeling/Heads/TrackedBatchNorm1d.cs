using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Heads;

/// <summary>
/// torch.nn.BatchNorm1d (momentum 0.1, eps 1e-5, running statistics, optional affine) with the same state-dict names
/// (<c>weight</c>, <c>bias</c>, <c>running_mean</c>, <c>running_var</c>, <c>num_batches_tracked</c>), written out
/// because TorchSharp 0.107's module counts batches with <c>num_batches_tracked.add_(1)</c>, an implicit
/// <c>Scalar</c> that a collection on another thread can free mid-call; here the count adds
/// <see cref="ExplicitScalars.One"/>.
/// </summary>
public sealed class TrackedBatchNorm1d : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // named as registered: Module.to(device/dtype) replaces them by name
    private Parameter? weight;
    private Parameter? bias;
    private Tensor running_mean;
    private Tensor running_var;
    private Tensor num_batches_tracked;
#pragma warning restore IDE1006

    /// <summary>Creates the norm over <paramref name="features"/> channels, with a learned affine when <paramref name="affine"/>.</summary>
    public TrackedBatchNorm1d(long features, bool affine = true, double eps = 1e-5, double momentum = 0.1) : base("BatchNorm1d")
    {
        Eps = eps;
        Momentum = momentum;
        if (affine)
        {
            weight = nn.Parameter(ones(features));
            bias = nn.Parameter(zeros(features));
            register_parameter("weight", weight);
            register_parameter("bias", bias);
        }
        running_mean = zeros(features);
        running_var = ones(features);
        num_batches_tracked = zeros(Array.Empty<long>(), ScalarType.Int64);
        register_buffer("running_mean", running_mean);
        register_buffer("running_var", running_var);
        register_buffer("num_batches_tracked", num_batches_tracked);
    }

    /// <summary>Added to the variance for stability.</summary>
    public double Eps { get; }

    /// <summary>Weight of the current batch in the running statistics.</summary>
    public double Momentum { get; }

    /// <summary>Normalises [N, C] or [N, C, L]: batch statistics in training (updating the running ones), running ones in eval.</summary>
    public override Tensor forward(Tensor input)
    {
        if (input.dim() is not (2 or 3))
            throw new ArgumentException($"Expected [N, C] or [N, C, L], got [{string.Join(", ", input.shape)}].", nameof(input));
        if (training)
        {
            using var noGrad = no_grad();
            num_batches_tracked.add_(ExplicitScalars.One);
        }
        return nn.functional.batch_norm(input, running_mean, running_var, weight, bias, training, Momentum, Eps);
    }
}
