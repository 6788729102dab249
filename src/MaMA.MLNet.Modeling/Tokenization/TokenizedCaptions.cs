using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tokenization;

/// <summary>A batch of captions as fixed-length rows of token ids and attention mask (row-major, [Count, Length]).</summary>
/// <param name="Count">Number of captions.</param>
/// <param name="Length">Tokens per row (MaMA: 144).</param>
/// <param name="InputIds">Ids, right-padded with the pad token.</param>
/// <param name="AttentionMask">1 for real tokens, 0 for padding.</param>
public sealed record TokenizedCaptions(int Count, int Length, long[] InputIds, long[] AttentionMask)
{
    /// <summary>The ids of caption <paramref name="row"/>.</summary>
    public ReadOnlySpan<long> Row(int row) => InputIds.AsSpan(row * Length, Length);

    /// <summary>Ids and mask as int64 tensors [Count, Length] on <paramref name="device"/> (CPU when null).</summary>
    public (Tensor InputIds, Tensor AttentionMask) ToTensors(Device? device = null) =>
        (tensor(InputIds, [Count, Length], device: device), tensor(AttentionMask, [Count, Length], device: device));
}
