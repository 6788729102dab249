using MaMA.MLNet.Modeling.Text.Lora;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MaMA.MLNet.Modeling.Text;

/// <summary>
/// GPT-2 causal self-attention: the fused projection <c>c_attn</c> (width -> 3 x width: q, k, v), scaled
/// dot-product attention per head, the output projection <c>c_proj</c> and residual dropout.
/// </summary>
public sealed class Gpt2Attention : nn.Module<Tensor, Tensor?, Tensor>
{
#pragma warning disable IDE1006 // field names are the state-dict names
    private readonly LoraLinear c_attn;
    private readonly LoraLinear c_proj;
#pragma warning restore IDE1006
    private readonly int _heads;
    private readonly double _attentionDropout;
    private readonly double _residualDropout;

    /// <summary>Creates the attention of one block.</summary>
    public Gpt2Attention(string name, Gpt2Config config) : base(name)
    {
        c_attn = new LoraLinear("c_attn", config.Width, 3 * config.Width);
        c_proj = new LoraLinear("c_proj", config.Width, config.Width);
        _heads = config.Heads;
        _attentionDropout = config.AttentionDropout;
        _residualDropout = config.ResidualDropout;
        RegisterComponents();
    }

    /// <summary>The fused q/k/v projection.</summary>
    public LoraLinear QkvProjection => c_attn;

    /// <summary>The output projection.</summary>
    public LoraLinear OutputProjection => c_proj;

    /// <summary>
    /// Attends over <paramref name="input"/> [B, S, D]. <paramref name="allowed"/> is null for plain causal
    /// attention (no padding), or a boolean [B, 1, S, S] mask, true where a query may attend a key, that
    /// already contains the causal constraint (see <see cref="Gpt2AttentionMask"/>).
    /// </summary>
    public override Tensor forward(Tensor input, Tensor? allowed)
    {
        long b = input.shape[0], s = input.shape[1], d = input.shape[2];
        long hd = d / _heads;
        var qkv = c_attn.forward(input).split(d, dim: 2);
        Tensor Heads(Tensor t) => t.view(b, s, _heads, hd).transpose(1, 2);
        var (q, k, v) = (Heads(qkv[0]), Heads(qkv[1]), Heads(qkv[2]));
        double p = training ? _attentionDropout : 0.0;
        var y = allowed is null
            ? F.scaled_dot_product_attention(q, k, v, p: p, is_casual: true)
            : F.scaled_dot_product_attention(q, k, v, allowed, p: p);
        y = y.transpose(1, 2).contiguous().view(b, s, d);
        return F.dropout(c_proj.forward(y), _residualDropout, training);
    }
}
