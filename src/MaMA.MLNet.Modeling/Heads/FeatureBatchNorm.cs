using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Heads;

/// <summary>
/// Batch normalisation of features [B, D] with a learned affine (<c>weight</c>, <c>bias</c>) and running
/// statistics (<c>running_mean</c>, <c>running_var</c>; momentum 0.1, eps 1e-5, as torch.nn.BatchNorm1d) through
/// <c>functional.batch_norm</c>. Written out instead of TorchSharp's BatchNorm1d module, whose
/// <c>num_batches_tracked.add_(1)</c> failed with "Unknown scalar type" after a few hundred training steps in
/// TorchSharp 0.107 (the counter only matters for a cumulative average, which this norm does not use).
/// </summary>
public sealed class FeatureBatchNorm : nn.Module<Tensor, Tensor>
{
    // Named as registered: Module.to(device/dtype) replaces them by name.
    private Parameter weight;
    private Parameter bias;
    private Tensor running_mean;
    private Tensor running_var;

    /// <summary>Creates a norm over <paramref name="features"/> channels: gamma 1, beta 0, mean 0, variance 1.</summary>
    public FeatureBatchNorm(long features, double eps = 1e-5, double momentum = 0.1) : base(nameof(FeatureBatchNorm))
    {
        Eps = eps;
        Momentum = momentum;
        weight = nn.Parameter(ones(features));
        bias = nn.Parameter(zeros(features));
        running_mean = zeros(features);
        running_var = ones(features);
        register_parameter("weight", weight);
        register_parameter("bias", bias);
        register_buffer("running_mean", running_mean);
        register_buffer("running_var", running_var);
    }

    /// <summary>Added to the variance before the square root.</summary>
    public double Eps { get; }

    /// <summary>Weight of the newest batch in the running statistics.</summary>
    public double Momentum { get; }

    /// <summary>gamma [D].</summary>
    public Tensor Weight => weight;

    /// <summary>beta [D].</summary>
    public Tensor Bias => bias;

    /// <summary>Running mean [D] (updated in training mode).</summary>
    public Tensor RunningMean => running_mean;

    /// <summary>Running (unbiased) variance [D] (updated in training mode).</summary>
    public Tensor RunningVariance => running_var;

    /// <summary>Normalises [B, D] with the batch's statistics in training mode (B must be at least 2), the running ones in eval mode.</summary>
    public override Tensor forward(Tensor features)
    {
        if (features.dim() != 2) throw new ArgumentException($"Expected features shaped [B, D], got [{string.Join(", ", features.shape)}].", nameof(features));
        if (training && features.shape[0] < 2)
            throw new ArgumentException("A batch norm in training mode needs at least 2 rows; call eval() for single images.", nameof(features));
        return nn.functional.batch_norm(features, running_mean, running_var, weight, bias, training, Momentum, Eps);
    }
}
