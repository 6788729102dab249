using MaMA.MLNet.Modeling.MaMA;

namespace MaMA.MLNet.Onnx.Tests.Parity;

/// <summary>
/// Token ids and attention masks (row-major [batch, length]) for the patch-sentence similarity parity tests: caption b has 8 + 4b real tokens,
/// 1 to 3 sentences (separator tokens at positions 2, 5, 8) and right padding, so lengths and sentence counts differ.
/// </summary>
internal static class SentenceCaptions
{
    public static (long[] Ids, long[] Mask) Make(MaMAConfig config, int batch, int length, int seed)
    {
        var rng = new Random(seed);
        var ids = new long[batch * length];
        var mask = new long[batch * length];
        for (int b = 0; b < batch; b++)
        {
            int real = 8 + 4 * b;
            for (int t = 0; t < length; t++)
            {
                ids[b * length + t] = t < real ? rng.Next(0, config.Text.VocabSize) : config.Text.VocabSize + 1;
                mask[b * length + t] = t < real ? 1 : 0;
            }
            for (int s = 0; s <= b % 3; s++) ids[b * length + 2 + 3 * s] = config.SeparatorTokenId;
        }
        return (ids, mask);
    }
}
