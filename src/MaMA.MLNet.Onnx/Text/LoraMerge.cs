using MaMA.MLNet.Onnx.Weights;
using static TorchSharp.torch;

namespace MaMA.MLNet.Onnx.Text;

/// <summary>
/// Folds a LoRA adapter into the layer it adapts: W' = W + (alpha / r) B A, with A [r, in] and B [out, r].
/// At inference (dropout off) x W'^T equals x W^T + (alpha / r) (x A^T) B^T, so the graph needs no LoRA path.
/// </summary>
public static class LoraMerge
{
    /// <summary>
    /// The weight <c>{layer}.weight</c> [out, in] (float64, current dispose scope) with the adapter
    /// <c>{layer}.lora_A.weight</c> / <c>{layer}.lora_B.weight</c> merged in when present.
    /// </summary>
    /// <exception cref="OnnxExportException">Only one adapter half is present, shapes disagree, or alpha is missing.</exception>
    public static Tensor MergedWeight(WeightSet weights, string layer, long outDim, long inDim, double? alpha)
    {
        var baseWeight = weights.ReadDouble(layer + ".weight", outDim, inDim);
        string aName = layer + ".lora_A.weight", bName = layer + ".lora_B.weight";
        bool hasA = weights.Contains(aName), hasB = weights.Contains(bName);
        if (!hasA && !hasB) return baseWeight;
        if (hasA != hasB)
            throw new OnnxExportException($"LoRA of '{weights.Prefix}{layer}' is incomplete: '{weights.Prefix}{(hasA ? bName : aName)}' is missing.");
        long rank = weights.ShapeOf(aName) is [var r, _] && r > 0 ? r
            : throw new OnnxExportException($"Weight '{weights.Prefix}{aName}' has shape [{string.Join(",", weights.ShapeOf(aName))}]; [r, {inDim}] is expected.");
        if (alpha is null)
            throw new OnnxExportException($"'{weights.Prefix}{layer}' has LoRA weights but the configuration gives no LoRA alpha.");
        var a = weights.ReadDouble(aName, rank, inDim);
        var b = weights.ReadDouble(bName, outDim, rank);
        return baseWeight + b.matmul(a) * (alpha.Value / rank);
    }
}
