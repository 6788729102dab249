using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Text;

/// <summary>A pre-LN GPT-2 block: x + attn(ln_1(x)), then x + mlp(ln_2(x)).</summary>
public sealed class Gpt2Block : nn.Module<Tensor, Tensor?, Tensor>
{
#pragma warning disable IDE1006 // field names are the state-dict names
    private readonly Gpt2LayerNorm ln_1;
    private readonly Gpt2Attention attn;
    private readonly Gpt2LayerNorm ln_2;
    private readonly Gpt2Mlp mlp;
#pragma warning restore IDE1006

    /// <summary>Creates one block.</summary>
    public Gpt2Block(string name, Gpt2Config config) : base(name)
    {
        ln_1 = new Gpt2LayerNorm("ln_1", config.Width, config.LayerNormEps);
        attn = new Gpt2Attention("attn", config);
        ln_2 = new Gpt2LayerNorm("ln_2", config.Width, config.LayerNormEps);
        mlp = new Gpt2Mlp("mlp", config);
        RegisterComponents();
    }

    /// <summary>Runs the block; <paramref name="allowed"/> as in <see cref="Gpt2Attention.forward"/>.</summary>
    public override Tensor forward(Tensor input, Tensor? allowed)
    {
        var x = input.Plus(attn.forward(ln_1.forward(input), allowed));
        return x.Plus(mlp.forward(ln_2.forward(x)));
    }
}
