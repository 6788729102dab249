using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Vision;

/// <summary>The plain transformer feed-forward network: <c>fc2</c>(GELU(<c>fc1</c>(x))), GELU in its exact (erf) form.</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;

    /// <summary>Creates width -> hidden -> width.</summary>
    public Mlp(long width, long hidden) : base(nameof(Mlp))
    {
        fc1 = nn.Linear(width, hidden);
        fc2 = nn.Linear(hidden, width);
        register_module("fc1", fc1);
        register_module("fc2", fc2);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var hidden = nn.functional.gelu(fc1.forward(x));
        return fc2.forward(hidden);
    }
}
