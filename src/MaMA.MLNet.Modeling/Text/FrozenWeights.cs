using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Text;

/// <summary>
/// Implemented by the GPT-2 leaf modules, which own their parameters, so the frozen base can be held in a
/// narrower dtype (bfloat16, float16) while trainable parameters stay as they are.
/// </summary>
internal interface IFrozenWeightHolder
{
    /// <summary>Converts every own parameter that does not require a gradient to <paramref name="dtype"/>.</summary>
    void CastFrozenParameters(ScalarType dtype);
}

/// <summary>Helpers shared by the leaf modules for mixed storage and compute dtypes.</summary>
internal static class FrozenWeights
{
    /// <summary>
    /// The parameter as a tensor of the compute dtype: itself when it already is, else a converted copy
    /// (weights held in half precision are widened at the point of use).
    /// </summary>
    public static Tensor As(Tensor parameter, ScalarType computeType) =>
        parameter.dtype == computeType ? parameter : parameter.to(computeType);

    /// <summary>
    /// A frozen copy of <paramref name="parameter"/> in <paramref name="dtype"/> (the original is disposed, so
    /// a 2.7B-parameter base does not linger in float32), or the parameter itself when it is trainable or
    /// already of that dtype.
    /// </summary>
    public static Parameter Cast(Parameter parameter, ScalarType dtype)
    {
        if (parameter.requires_grad || parameter.dtype == dtype) return parameter;
        Parameter cast;
        using (no_grad()) cast = new Parameter(parameter.to(dtype).detach(), requires_grad: false);
        parameter.Dispose();
        return cast;
    }
}
