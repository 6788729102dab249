using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Heads;

/// <summary>
/// The global projection: one linear map feature (D) -> embedding (512), with bias as in the reference
/// (<c>global_embed = nn.Linear(feature_dim, output_dim)</c>). Its own parameters are named <c>weight</c> and
/// <c>bias</c>, so the reference's <c>img_encoder_q.global_embed.*</c> map onto it by stripping the prefix.
/// </summary>
public sealed class GlobalProjection : nn.Module<Tensor, Tensor>
{
    // Not readonly, and named as registered: Module.to(device/dtype) replaces them by name.
    private Parameter weight;
    private Parameter? bias;

    /// <summary>Creates inputDim -> outputDim, initialised as torch.nn.Linear (uniform +-1/sqrt(inputDim)).</summary>
    public GlobalProjection(long inputDim, long outputDim = 512, bool hasBias = true) : base(nameof(GlobalProjection))
    {
        using (var template = nn.Linear(inputDim, outputDim, hasBias))
        {
            weight = nn.Parameter(template.weight!.detach().clone());
            if (hasBias) bias = nn.Parameter(template.bias!.detach().clone());
        }
        register_parameter("weight", weight);
        if (bias is not null) register_parameter("bias", bias);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor features) => nn.functional.linear(features, weight, bias);
}
