using MaMA.MLNet.Onnx.Weights;
using static TorchSharp.torch;

namespace MaMA.MLNet.Onnx.Graph;

/// <summary>
/// The transformer pieces both encoders share, written into a graph: linear layers, layer norms,
/// multi-head self-attention and the two-layer MLP. Weights come in PyTorch's Linear layout [out, in] and
/// are stored transposed, so the graph runs a plain <c>MatMul</c> over [batch, tokens, in].
/// </summary>
internal static class TransformerGraph
{
    /// <summary>x @ W^T + b for W read as <c>{prefix}.weight</c> [out, in] and b as <c>{prefix}.bias</c> [out].</summary>
    public static string Linear(OnnxGraphBuilder g, WeightSet weights, string prefix, long inDim, long outDim, string x)
    {
        using var scope = NewDisposeScope();
        return Linear(g, prefix, weights.ReadDouble(prefix + ".weight", outDim, inDim), weights.ReadDouble(prefix + ".bias", outDim), x);
    }

    /// <summary>x @ W^T + b for explicit tensors W [out, in] and b [out].</summary>
    public static string Linear(OnnxGraphBuilder g, string name, Tensor weight, Tensor? bias, string x)
    {
        long outDim = weight.shape[0], inDim = weight.shape[1];
        string wT = g.AddInitializer(name + ".weight_t", WeightSet.ToFloats(weight.t()), inDim, outDim);
        string y = g.MatMul(x, wT, name + "/matmul");
        return bias is null ? y : g.Add(y, g.AddInitializer(name + ".bias", WeightSet.ToFloats(bias), outDim), name);
    }

    /// <summary>LayerNorm over the last axis with <c>{prefix}.weight</c> and <c>{prefix}.bias</c> of size <paramref name="dim"/>.</summary>
    public static string LayerNorm(OnnxGraphBuilder g, WeightSet weights, string prefix, long dim, float epsilon, string x)
    {
        string scale = g.AddInitializer(prefix + ".weight", weights.ReadFloats(prefix + ".weight", dim), dim);
        string bias = g.AddInitializer(prefix + ".bias", weights.ReadFloats(prefix + ".bias", dim), dim);
        return g.LayerNormalization(x, scale, bias, epsilon, prefix);
    }

    /// <summary>
    /// Multi-head self-attention over x [B, N, D] with a fused qkv projection W [3D, D] (q, k, v stacked in
    /// that order, heads contiguous within each) and an output projection.
    /// </summary>
    /// <param name="g">The graph.</param>
    /// <param name="name">Name prefix for the nodes.</param>
    /// <param name="qkvWeight">Fused projection weight [3D, D].</param>
    /// <param name="qkvBias">Fused projection bias [3D].</param>
    /// <param name="projWeight">Output projection weight [D, D].</param>
    /// <param name="projBias">Output projection bias [D].</param>
    /// <param name="heads">Number of heads; D must be divisible by it.</param>
    /// <param name="x">Input tokens [B, N, D].</param>
    /// <param name="allowed">Optional boolean mask broadcastable to [B, heads, N, N]; false keys get no weight.</param>
    public static string SelfAttention(OnnxGraphBuilder g, string name, Tensor qkvWeight, Tensor qkvBias, Tensor projWeight, Tensor projBias,
        long heads, string x, string? allowed)
    {
        long dim = projWeight.shape[0], headDim = dim / heads;
        string qkv = Linear(g, name + ".qkv", qkvWeight, qkvBias, x);                                  // [B,N,3D]
        string split = g.Reshape(qkv, [0, 0, 3, heads, headDim], name + "/qkv_split");               // [B,N,3,H,hd]
        string perm = g.Transpose(split, [2, 0, 3, 1, 4], name + "/qkv_heads");                     // [3,B,H,N,hd]
        string q = g.Gather(perm, g.Int64Scalar(0), 0, name + "/q");
        string k = g.Gather(perm, g.Int64Scalar(1), 0, name + "/k");
        string v = g.Gather(perm, g.Int64Scalar(2), 0, name + "/v");
        string qScaled = g.Mul(q, g.Scalar($"attn_scale_{headDim}", (float)(1.0 / Math.Sqrt(headDim))), name + "/q_scaled");
        string scores = g.MatMul(qScaled, g.Transpose(k, [0, 1, 3, 2], name + "/k_t"), name + "/scores"); // [B,H,N,N]
        if (allowed is not null)
            scores = g.Where(allowed, scores, g.Scalar("mask_fill", float.MinValue), name + "/scores_masked");
        string probs = g.Softmax(scores, -1, name + "/probs");
        string context = g.MatMul(probs, v, name + "/context");                                       // [B,H,N,hd]
        string merged = g.Reshape(g.Transpose(context, [0, 2, 1, 3], name + "/context_t"), [0, 0, dim], name + "/context_merged");
        return Linear(g, name + ".proj", projWeight, projBias, merged);
    }

    /// <summary>fc2(GELU(fc1(x))) with weights <c>{fc1}.weight</c> [hidden, D] and <c>{fc2}.weight</c> [D, hidden].</summary>
    public static string Mlp(OnnxGraphBuilder g, WeightSet weights, string fc1, string fc2, long dim, long hidden, bool tanhGelu, string x)
    {
        string h = Linear(g, weights, fc1, dim, hidden, x);
        return Linear(g, weights, fc2, hidden, dim, g.Gelu(h, tanhGelu, fc1 + "/gelu"));
    }
}
