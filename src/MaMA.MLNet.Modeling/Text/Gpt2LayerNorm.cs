using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MaMA.MLNet.Modeling.Text;

/// <summary>
/// LayerNorm over the last dimension with <c>weight</c> and <c>bias</c> (GPT-2's <c>ln_1</c>, <c>ln_2</c>,
/// <c>ln_f</c>). Computes in the input's dtype, so a half-precision frozen copy is widened at use.
/// </summary>
public sealed class Gpt2LayerNorm : nn.Module<Tensor, Tensor>, IFrozenWeightHolder
{
#pragma warning disable IDE1006 // field names are the state-dict names
    private Parameter weight;
    private Parameter bias;
#pragma warning restore IDE1006
    private readonly long[] _shape;
    private readonly double _eps;

    /// <summary>Creates the norm with weight 1 and bias 0.</summary>
    public Gpt2LayerNorm(string name, int width, double eps) : base(name)
    {
        _shape = [width];
        _eps = eps;
        weight = new Parameter(ones(width));
        bias = new Parameter(zeros(width));
        RegisterComponents();
    }

    /// <summary>Scale, [width].</summary>
    public Parameter Weight => weight;

    /// <summary>Shift, [width].</summary>
    public Parameter Bias => bias;

    /// <inheritdoc/>
    public override Tensor forward(Tensor input) =>
        F.layer_norm(input, _shape, FrozenWeights.As(weight, input.dtype), FrozenWeights.As(bias, input.dtype), _eps);

    void IFrozenWeightHolder.CastFrozenParameters(ScalarType dtype)
    {
        var w = FrozenWeights.Cast(weight, dtype);
        if (!ReferenceEquals(w, weight)) { weight = w; ConditionallyRegisterParameter("weight", w); }
        var b = FrozenWeights.Cast(bias, dtype);
        if (!ReferenceEquals(b, bias)) { bias = b; ConditionallyRegisterParameter("bias", b); }
    }
}
