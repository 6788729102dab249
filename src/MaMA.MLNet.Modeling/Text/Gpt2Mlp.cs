using MaMA.MLNet.Modeling.Text.Lora;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MaMA.MLNet.Modeling.Text;

/// <summary>GPT-2's MLP: <c>c_fc</c> (width -> inner), GELU (tanh approximation by default), <c>c_proj</c>, dropout.</summary>
public sealed class Gpt2Mlp : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // field names are the state-dict names
    private readonly LoraLinear c_fc;
    private readonly LoraLinear c_proj;
#pragma warning restore IDE1006
    private readonly GELU.Approximate _approximate;
    private readonly double _dropout;

    /// <summary>Creates the MLP of one block.</summary>
    public Gpt2Mlp(string name, Gpt2Config config) : base(name)
    {
        c_fc = new LoraLinear("c_fc", config.Width, config.MlpWidth);
        c_proj = new LoraLinear("c_proj", config.MlpWidth, config.Width);
        _approximate = config.Activation == Gpt2Activation.GeluTanh ? GELU.Approximate.tanh : GELU.Approximate.none;
        _dropout = config.ResidualDropout;
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input) =>
        F.dropout(c_proj.forward(F.gelu(c_fc.forward(input), _approximate)), _dropout, training);
}
