using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Vision;

/// <summary>
/// The fused SwiGLU feed-forward network of DINOv2 ViT-g: [a, b] = <c>w12</c>(x) split in halves,
/// out = <c>w3</c>(SiLU(a) * b).
/// </summary>
public sealed class SwiGluFfn : nn.Module<Tensor, Tensor>
{
    private readonly Linear w12;
    private readonly Linear w3;

    /// <summary>Creates width -> 2 x hidden -> (gate) -> hidden -> width.</summary>
    public SwiGluFfn(long width, long hidden) : base(nameof(SwiGluFfn))
    {
        w12 = nn.Linear(width, 2 * hidden);
        w3 = nn.Linear(hidden, width);
        register_module("w12", w12);
        register_module("w3", w3);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var halves = w12.forward(x).chunk(2, dim: -1);
        return w3.forward(nn.functional.silu(halves[0]) * halves[1]).MoveToOuterDisposeScope();
    }
}
