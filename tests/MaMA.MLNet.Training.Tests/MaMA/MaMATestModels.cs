using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Text;
using MaMA.MLNet.Modeling.Vision;
using static TorchSharp.torch;

namespace MaMA.MLNet.Training.Tests.MaMA;

/// <summary>Very small MaMA models and hand-made batches for the objective tests.</summary>
internal static class MaMATestModels
{
    /// <summary>28 px images (2 x 2 patches), a 100-token vocabulary (sep id 103), widths 32.</summary>
    public static MaMAConfig Micro => new()
    {
        Vision = new VisionTransformerConfig { ImageSize = 28, Width = 32, Depth = 1, Heads = 2, RegisterCount = 1 },
        Text = new Gpt2Config { VocabSize = 100, ContextLength = 16, Width = 32, Layers = 1, Heads = 2 },
        EmbeddingSize = 16,
        LocalProjectionHidden = 32,
        TextMaxLength = 16,
    };

    /// <summary>The tiny preset shrunk to 56 px and one block each, with the real GPT-2 vocabulary and the whole text encoder trained.</summary>
    public static MaMAConfig SmallGpt2 => MaMAConfig.Tiny with
    {
        Vision = MaMAConfig.Tiny.Vision with { ImageSize = 56, Width = 32, Depth = 1, Heads = 2 },
        Text = MaMAConfig.Tiny.Text with { Width = 32, Layers = 1, Heads = 2 },
        EmbeddingSize = 32,
        LocalProjectionHidden = 64,
        Lora = null,
    };

    public static MaMAModel Create(MaMAConfig config, long seed = 7)
    {
        TorchRuntime.Seed(seed);
        return new MaMAModel(config);
    }

    /// <summary>A random batch of <paramref name="b"/> with two sentences per caption (sep tokens at 4 and 8).</summary>
    public static MaMABatch RandomBatch(MaMAConfig config, int b, long seed)
    {
        var generator = new Generator((ulong)seed);
        int s = config.Vision.ImageSize, t = config.TextMaxLength;
        var pixels = randn([b, 3, s, s], generator: generator);
        var second = randn([b, 3, s, s], generator: generator);
        var ids = randint(0, config.Text.VocabSize, [b, t], generator: generator);
        ids[.., 4] = config.SeparatorTokenId;
        ids[.., 8] = config.SeparatorTokenId;
        var mask = ones([b, t], ScalarType.Int64);
        mask[.., 12..] = 0;
        return MaMABatch.Create(pixels, second, ids, mask, config.SeparatorTokenId);
    }
}
