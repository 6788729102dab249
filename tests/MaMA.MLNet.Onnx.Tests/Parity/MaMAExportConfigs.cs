using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Onnx.Text;
using MaMA.MLNet.Onnx.Vision;
using ModelPooling = MaMA.MLNet.Modeling.Text.TextPooling;

namespace MaMA.MLNet.Onnx.Tests.Parity;

/// <summary>Export configurations and weight sets read off a real <see cref="MaMAModel"/>.</summary>
internal static class MaMAExportConfigs
{
    public static VitExportConfig Vit(MaMAConfig c, int height, int width) => new()
    {
        EmbedDim = c.Vision.Width,
        Depth = c.Vision.Depth,
        NumHeads = c.Vision.Heads,
        PatchSize = c.Vision.PatchSize,
        RegisterCount = c.Vision.RegisterCount,
        MlpHiddenDim = (int)c.Vision.FeedForwardHidden,
        LayerScale = c.Vision.LayerScaleInit is not null,
        LayerNormEps = c.Vision.LayerNormEps,
        ImageHeight = height,
        ImageWidth = width,
    };

    public static Gpt2ExportConfig Gpt2(MaMAConfig c) => new()
    {
        EmbedDim = c.Text.Width,
        Depth = c.Text.Layers,
        NumHeads = c.Text.Heads,
        VocabSize = c.TextVocabSize,
        MaxPositions = c.Text.ContextLength,
        MlpHiddenDim = c.Text.MlpWidth,
        LayerNormEps = c.Text.LayerNormEps,
        LoraAlpha = c.Lora?.Alpha,
        Pooling = c.TextPooling == ModelPooling.PaddedMean ? TextPooling.Mean : TextPooling.MaskedMean,
    };
}
