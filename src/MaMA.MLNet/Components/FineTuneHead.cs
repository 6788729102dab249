using MaMA.MLNet.Modeling;
using static TorchSharp.torch;

namespace MaMA.MLNet.Components;

/// <summary>
/// The trained linear classification head: logits = feature x Weightᵀ + Bias over the pooled ViT feature, plus the
/// class names (the label's key values) it predicts.
/// </summary>
/// <param name="ClassCount">K, the number of classes.</param>
/// <param name="FeatureSize">D, the pooled feature width.</param>
/// <param name="Weight">Row-major [K, D].</param>
/// <param name="Bias">[K].</param>
/// <param name="ClassNames">The label's key values (K names), or null when the label had none.</param>
public sealed record FineTuneHead(int ClassCount, int FeatureSize, float[] Weight, float[] Bias, string[]? ClassNames)
{
    /// <summary>Checks the sizes agree.</summary>
    /// <exception cref="InvalidDataException">A size does not match.</exception>
    internal void Validate(string source)
    {
        if (ClassCount < 2 || FeatureSize < 1 || Weight.Length != ClassCount * FeatureSize || Bias.Length != ClassCount
            || (ClassNames is not null && ClassNames.Length != ClassCount))
            throw new InvalidDataException($"{source}: head sizes disagree (classes {ClassCount}, feature {FeatureSize}, weight {Weight.Length}, bias {Bias.Length})");
    }

    /// <summary>Logits [B, K] of pooled features [B, D] (on the features' device).</summary>
    internal Tensor Logits(Tensor features)
    {
        using var scope = NewDisposeScope();
        var w = tensor(Weight, [ClassCount, FeatureSize]).to(features.device);
        var b = tensor(Bias, [ClassCount]).to(features.device);
        return features.matmul(w.t()).Plus(b).MoveToOuterDisposeScope();
    }
}
