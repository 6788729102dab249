using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MaMA.MLNet.Modeling.Vision;

/// <summary>
/// Batch normalisation of feature maps [B, C, H, W] that always uses its stored statistics (torchvision's
/// <c>FrozenBatchNorm2d</c>, as detection and CLIP-style models fine-tune ImageNet CNNs): the affine
/// (<c>weight</c>, <c>bias</c>) trains, the ImageNet <c>running_mean</c> and <c>running_var</c> stay. MaMA's batches
/// are small (8-32 images of one kind of picture), whose statistics would overwrite ImageNet's in a few steps.
/// </summary>
public sealed class FrozenBatchNorm2d : nn.Module<Tensor, Tensor>
{
    // Named as registered: Module.to(device/dtype) replaces them by name.
    private Parameter weight;
    private Parameter bias;
    private Tensor running_mean;
    private Tensor running_var;

    /// <summary>Creates a norm over <paramref name="channels"/>: gamma 1, beta 0, mean 0, variance 1.</summary>
    public FrozenBatchNorm2d(long channels, double eps = 1e-5) : base(nameof(FrozenBatchNorm2d))
    {
        Eps = eps;
        weight = nn.Parameter(ones(channels));
        bias = nn.Parameter(zeros(channels));
        running_mean = zeros(channels);
        running_var = ones(channels);
        register_parameter("weight", weight);
        register_parameter("bias", bias);
        register_buffer("running_mean", running_mean);
        register_buffer("running_var", running_var);
    }

    /// <summary>Added to the variance before the square root.</summary>
    public double Eps { get; }

    /// <summary>gamma [C].</summary>
    public Tensor Weight => weight;

    /// <summary>beta [C].</summary>
    public Tensor Bias => bias;

    /// <summary>Stored mean [C].</summary>
    public Tensor RunningMean => running_mean;

    /// <summary>Stored variance [C].</summary>
    public Tensor RunningVariance => running_var;

    /// <inheritdoc/>
    public override Tensor forward(Tensor input) =>
        F.batch_norm(input, running_mean, running_var, weight, bias, training: false, momentum: 0.0, eps: Eps);
}
