using MaMA.MLNet.Onnx.Text;
using MaMA.MLNet.Onnx.Vision;
using static TorchSharp.torch;

namespace MaMA.MLNet.Onnx.Tests.Support;

/// <summary>
/// Random float32 weights under the naming contract, scaled so every block visibly changes its input
/// (small weights would let a wrong graph hide under the tolerance). Tensors are detached from any dispose
/// scope; <see cref="Dispose"/> frees them.
/// </summary>
internal sealed class RandomWeights : IDisposable
{
    private readonly Generator _rng;
    public Dictionary<string, Tensor> Tensors { get; } = new(StringComparer.Ordinal);

    private RandomWeights(long seed) { _rng = new Generator((ulong)seed); }

    public static RandomWeights Vit(VitExportConfig c, int pretrainGrid, long projectionDim, long seed, int? headClasses = null)
    {
        var w = new RandomWeights(seed);
        long d = c.EmbedDim, p = c.PatchSize;
        w.Normal("cls_token", 1.0, 1, 1, d);
        w.Normal("pos_embed", 0.5, 1, 1 + pretrainGrid * pretrainGrid, d);
        if (c.RegisterCount > 0) w.Normal("register_tokens", 1.0, 1, c.RegisterCount, d);
        w.Linear("patch_embed.proj", d, 3 * p * p, [d, 3, p, p]);
        for (int i = 0; i < c.Depth; i++)
        {
            string b = $"blocks.{i}";
            w.Norm(b + ".norm1", d);
            w.Linear(b + ".attn.qkv", 3 * d, d);
            w.Linear(b + ".attn.proj", d, d);
            w.Norm(b + ".norm2", d);
            w.Linear(b + ".mlp.fc1", c.HiddenDim, d);
            w.Linear(b + ".mlp.fc2", d, c.HiddenDim);
            if (c.LayerScale)
            {
                w.Normal(b + ".ls1.gamma", 0.3, d, offset: 0.5);
                w.Normal(b + ".ls2.gamma", 0.3, d, offset: 0.5);
            }
        }
        w.Norm("norm", d);
        w.Linear("global_proj", projectionDim, d);
        if (headClasses is { } k) w.Linear("head", k, d);
        return w;
    }

    public static RandomWeights Gpt2(Gpt2ExportConfig c, long projectionDim, long seed, int? loraRank)
    {
        var w = new RandomWeights(seed);
        long d = c.EmbedDim;
        w.Normal("wte.weight", 1.0, c.VocabSize, d);
        w.Normal("wpe.weight", 0.5, c.MaxPositions, d);
        for (int i = 0; i < c.Depth; i++)
        {
            string b = $"h.{i}";
            w.Norm(b + ".ln_1", d);
            w.Linear(b + ".attn.c_attn", 3 * d, d);
            if (loraRank is { } r)
            {
                w.Normal(b + ".attn.c_attn.lora_A.weight", 1.0 / Math.Sqrt(d), r, d);
                w.Normal(b + ".attn.c_attn.lora_B.weight", 0.3, 3 * d, r);
            }
            w.Linear(b + ".attn.c_proj", d, d);
            w.Norm(b + ".ln_2", d);
            w.Linear(b + ".mlp.c_fc", c.HiddenDim, d);
            w.Linear(b + ".mlp.c_proj", d, c.HiddenDim);
        }
        w.Norm("ln_f", d);
        w.Linear("text_global_proj", projectionDim, d);
        return w;
    }

    public void Normal(string name, double std, params long[] shape) => Normal(name, std, shape, offset: 0);

    private void Normal(string name, double std, long d, double offset) => Normal(name, std, [d], offset);

    private void Normal(string name, double std, long[] shape, double offset)
    {
        var t = (randn(shape, ScalarType.Float32, generator: _rng) * std + offset).DetachFromDisposeScope();
        Tensors[name] = t;
    }

    private void Linear(string prefix, long outDim, long inDim, long[]? shape = null)
    {
        Normal(prefix + ".weight", 1.0 / Math.Sqrt(inDim), shape ?? [outDim, inDim]);
        Normal(prefix + ".bias", 0.1, outDim);
    }

    private void Norm(string prefix, long d)
    {
        Normal(prefix + ".weight", 0.2, [d], offset: 1.0);
        Normal(prefix + ".bias", 0.1, [d], offset: 0);
    }

    public Tensor RandomInput(double std, params long[] shape) => randn(shape, ScalarType.Float32, generator: _rng) * std;

    public void Dispose()
    {
        foreach (var t in Tensors.Values) t.Dispose();
        _rng.Dispose();
    }
}
