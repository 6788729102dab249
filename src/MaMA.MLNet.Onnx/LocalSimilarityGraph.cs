using MaMA.MLNet.Onnx.Graph;
using static TorchSharp.torch;

namespace MaMA.MLNet.Onnx;

/// <summary>
/// A MaMA local projection head (Conv1d k=1 -> BatchNorm1d -> ReLU -> Conv1d k=1 -> BatchNorm1d without affine) in
/// eval mode, folded into two affine maps: W' = diag(g) W and b' = g (b - mean) + beta with g = gamma / sqrt(var + eps).
/// Written as MatMul + Add on tokens [B, N, D] -> [B, N, E].
/// </summary>
internal static class LocalHeadGraph
{
    private const double BatchNormEps = 1e-5;

    /// <summary>The folded layers ([in, out] weights for MatMul, and biases) of a head's state dict (<c>head.0.weight</c>, ...).</summary>
    public static (float[] W1, float[] B1, float[] W2, float[] B2, long Hidden, long Out) Fold(IReadOnlyDictionary<string, Tensor> head, long inDim)
    {
        using var scope = NewDisposeScope();
        Tensor Get(string name) => head.TryGetValue(name, out var t) ? t.detach().to(ScalarType.Float64)
            : throw new OnnxExportException($"The local head has no '{name}'.");
        var w1 = Get("head.0.weight").squeeze(-1);                 // [H, D]
        if (w1.dim() != 2 || w1.shape[1] != inDim) throw new OnnxExportException($"The local head's first layer is [{string.Join(", ", w1.shape)}], expected [hidden, {inDim}].");
        var g1 = Get("head.1.weight") / (Get("head.1.running_var") + BatchNormEps).sqrt();
        var b1 = g1 * (Get("head.0.bias") - Get("head.1.running_mean")) + Get("head.1.bias");
        var w2 = Get("head.3.weight").squeeze(-1);                 // [E, H]
        var g2 = 1.0 / (Get("head.4.running_var") + BatchNormEps).sqrt();
        var b2 = g2 * (Get("head.3.bias") - Get("head.4.running_mean"));
        static float[] Floats(Tensor t) => t.to(ScalarType.Float32).contiguous().data<float>().ToArray();
        return (Floats((w1 * g1.unsqueeze(1)).t()), Floats(b1), Floats((w2 * g2.unsqueeze(1)).t()), Floats(b2), w1.shape[0], w2.shape[0]);
    }

    /// <summary>Applies a folded head to tokens [B, N, D] and L2-normalises: [B, N, E].</summary>
    public static string Write(OnnxGraphBuilder g, string name, IReadOnlyDictionary<string, Tensor> head, long inDim, string tokens)
    {
        var (w1, b1, w2, b2, hidden, outDim) = Fold(head, inDim);
        string h = g.Add(g.MatMul(tokens, g.AddInitializer(name + ".w1", w1, inDim, hidden), name + "/matmul1"), g.AddInitializer(name + ".b1", b1, hidden), name + "/add1");
        h = g.AddNode("Relu", name + "/relu", [h]);
        string e = g.Add(g.MatMul(h, g.AddInitializer(name + ".w2", w2, hidden, outDim), name + "/matmul2"), g.AddInitializer(name + ".b2", b2, outDim), name + "/add2");
        return g.L2Normalize(e, name + "/normalised");
    }
}
