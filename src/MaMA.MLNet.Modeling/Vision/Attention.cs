using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Vision;

/// <summary>
/// Multi-head self-attention with a fused <c>qkv</c> projection and an output projection <c>proj</c>:
/// softmax(Q K^T / sqrt(d_head)) V per head, computed by libtorch's fused
/// <c>scaled_dot_product_attention</c> (one batched call, no per-token work).
/// </summary>
public sealed class Attention : nn.Module<Tensor, Tensor>
{
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly int heads;

    /// <summary>Creates the attention for tokens of width <paramref name="width"/> split over <paramref name="heads"/> heads.</summary>
    public Attention(int width, int heads, bool qkvBias = true) : base(nameof(Attention))
    {
        if (width % heads != 0) throw new ArgumentException($"Width {width} is not divisible by {heads} heads.");
        this.heads = heads;
        qkv = nn.Linear(width, 3L * width, hasBias: qkvBias);
        proj = nn.Linear(width, width);
        register_module("qkv", qkv);
        register_module("proj", proj);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1], d = x.shape[2];
        // [B, T, 3D] -> [3, B, heads, T, d_head]: the DINOv2 layout of the fused weight (q rows, then k, then v).
        var qkvHeads = qkv.forward(x).reshape(b, t, 3, heads, d / heads).permute(2, 0, 3, 1, 4);
        var attended = nn.functional.scaled_dot_product_attention(qkvHeads[0], qkvHeads[1], qkvHeads[2]);
        var merged = attended.transpose(1, 2).reshape(b, t, d);
        return proj.forward(merged).MoveToOuterDisposeScope();
    }
}
