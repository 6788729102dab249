using MaMA.MLNet.Data.Pairing;

namespace MaMA.MLNet.Training.MaMA;

/// <summary>
/// One micro-batch as plain arrays, made on a prefetch worker (no tensors): normalised CHW pixels of both views,
/// the tokenised captions, and what was drawn (captions, view pairs) for logging and tests.
/// </summary>
/// <param name="Count">Images in the batch (B).</param>
/// <param name="ImageSize">Side of each square image (S).</param>
/// <param name="TextLength">Tokens per caption (T).</param>
/// <param name="Pixels">[B, 3, S, S] row-major: the first views.</param>
/// <param name="SecondViewPixels">[B, 3, S, S] row-major: the second views, or null when the data has none.</param>
/// <param name="InputIds">[B, T] token ids.</param>
/// <param name="AttentionMask">[B, T], 1 for real tokens.</param>
/// <param name="Captions">The caption text of each first view, as drawn (masked).</param>
/// <param name="Pairs">Which record each first and second view came from.</param>
public sealed record MaMAPreparedBatch(
    int Count, int ImageSize, int TextLength,
    float[] Pixels, float[]? SecondViewPixels, long[] InputIds, long[] AttentionMask,
    IReadOnlyList<string> Captions, IReadOnlyList<ViewPair> Pairs);
