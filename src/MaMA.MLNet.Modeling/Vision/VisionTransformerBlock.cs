using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Vision;

/// <summary>
/// One pre-norm transformer block as DINOv2 builds it:
/// x = x + drop_path(ls1(attn(norm1(x)))); x = x + drop_path(ls2(mlp(norm2(x)))).
/// Submodule names (<c>norm1</c>, <c>attn</c>, <c>ls1</c>, <c>norm2</c>, <c>mlp</c>, <c>ls2</c>) are DINOv2's.
/// </summary>
public sealed class VisionTransformerBlock : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm norm1;
    private readonly Attention attn;
    private readonly LayerScale? ls1;
    private readonly LayerNorm norm2;
    private readonly nn.Module<Tensor, Tensor> mlp;
    private readonly LayerScale? ls2;
    private readonly DropPath dropPath1;
    private readonly DropPath dropPath2;

    /// <summary>Creates a block from the model config with stochastic-depth rate <paramref name="dropPath"/>.</summary>
    public VisionTransformerBlock(VisionTransformerConfig config, double dropPath) : base(nameof(VisionTransformerBlock))
    {
        norm1 = nn.LayerNorm(config.Width, config.LayerNormEps);
        attn = new Attention(config.Width, config.Heads, config.QkvBias);
        norm2 = nn.LayerNorm(config.Width, config.LayerNormEps);
        mlp = config.FeedForward == FeedForwardKind.SwiGlu
            ? new SwiGluFfn(config.Width, config.FeedForwardHidden)
            : new Mlp(config.Width, config.FeedForwardHidden);
        if (config.LayerScaleInit is double init)
        {
            ls1 = new LayerScale(config.Width, init);
            ls2 = new LayerScale(config.Width, init);
        }
        dropPath1 = new DropPath(dropPath);
        dropPath2 = new DropPath(dropPath);

        register_module("norm1", norm1);
        register_module("attn", attn);
        if (ls1 is not null) register_module("ls1", ls1);
        register_module("norm2", norm2);
        register_module("mlp", mlp);
        if (ls2 is not null) register_module("ls2", ls2);
        register_module("drop_path1", dropPath1); // no parameters: registered so train()/eval() reach it
        register_module("drop_path2", dropPath2);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var branch = attn.forward(norm1.forward(x));
        if (ls1 is not null) branch = ls1.forward(branch);
        x = x.Plus(dropPath1.forward(branch));
        branch = mlp.forward(norm2.forward(x));
        if (ls2 is not null) branch = ls2.forward(branch);
        x = x.Plus(dropPath2.forward(branch));
        return x.MoveToOuterDisposeScope();
    }
}
