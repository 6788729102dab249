using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Vision;

/// <summary>Per-channel learned scale of a residual branch (CaiT LayerScale): x * <c>gamma</c>.</summary>
public sealed class LayerScale : nn.Module<Tensor, Tensor>
{
    private Parameter gamma; // not readonly: Module.to(device/dtype) replaces it by name

    /// <summary>Creates gamma = <paramref name="initValue"/> for each of <paramref name="width"/> channels.</summary>
    public LayerScale(long width, double initValue) : base(nameof(LayerScale))
    {
        gamma = nn.Parameter(full(width, initValue));
        register_parameter("gamma", gamma);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x) => x * gamma;
}
