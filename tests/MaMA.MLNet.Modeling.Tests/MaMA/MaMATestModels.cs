using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Text;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.MaMA;

/// <summary>Small configurations and inputs shared by the MaMA model tests.</summary>
internal static class MaMATestModels
{
    /// <summary>The tiny preset with a 200-token vocabulary and 56 px images: every part, built in milliseconds.</summary>
    public static MaMAConfig Small => MaMAConfig.Tiny with
    {
        Vision = MaMAConfig.Tiny.Vision with { ImageSize = 56 },
        Text = MaMAConfig.Tiny.Text with { VocabSize = 200, ContextLength = 32 },
        TextMaxLength = 32,
        EmbeddingSize = 16,
        LocalProjectionHidden = 24,
    };

    public static MaMAModel Build(MaMAConfig config, long seed, ScalarType dtype = ScalarType.Float32)
    {
        TorchRuntime.Seed(seed);
        var model = new MaMAModel(config, dtype: dtype);
        // Fresh LoRA B is zero; give it values so the adapters matter in every comparison.
        using var noGrad = no_grad();
        foreach (var (name, p) in model.named_parameters())
            if (name.Contains(".lora_B.", StringComparison.Ordinal)) p.copy_(randn_like(p) * 0.05);
        return model;
    }

    /// <summary>
    /// B captions of random ids (below the base vocabulary) with <paramref name="sentences"/>[b] separators
    /// placed at fixed positions and <paramref name="lengths"/>[b] real tokens, right-padded.
    /// </summary>
    public static (Tensor Ids, Tensor Mask) Captions(MaMAConfig config, int[] lengths, int[] sentences, int length, long seed)
    {
        var rng = new Random((int)seed);
        int b = lengths.Length;
        var ids = new long[b * length];
        var mask = new long[b * length];
        long pad = config.Text.VocabSize + 1, sep = config.SeparatorTokenId;
        for (int r = 0; r < b; r++)
        {
            for (int t = 0; t < length; t++)
            {
                bool real = t < lengths[r];
                ids[r * length + t] = real ? rng.Next(0, config.Text.VocabSize) : pad;
                mask[r * length + t] = real ? 1 : 0;
            }
            for (int s = 0; s < sentences[r]; s++) ids[r * length + 1 + s * 3] = sep; // 1, 4, 7, ...: inside the real tokens
        }
        return (tensor(ids, [b, length]), tensor(mask, [b, length]));
    }

    public static Tensor Pixels(long batch, long height, long width, long seed)
    {
        var g = new Generator((ulong)seed);
        return randn([batch, 3, height, width], generator: g);
    }
}
