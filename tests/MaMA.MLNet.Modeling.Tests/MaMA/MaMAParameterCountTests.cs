using MaMA.MLNet.Modeling.MaMA;

namespace MaMA.MLNet.Modeling.Tests.MaMA;

[TestClass]
public sealed class MaMAParameterCountTests
{
    private static long Count(MaMAModel model, string prefix, Func<string, bool>? where = null) =>
        model.named_parameters().Where(p => p.name.StartsWith(prefix, StringComparison.Ordinal) && (where?.Invoke(p.name) ?? true)).Sum(p => p.parameter.numel());

    [TestMethod]
    [DataRow(false, true, DisplayName = "LoRA, SimCLR ending with batch norm")]
    [DataRow(true, false, DisplayName = "no LoRA, SimCLR ending with a bias")]
    [DataRow(true, true, true, DisplayName = "no LoRA, image feature norm (from-scratch preset)")]
    public void CountsFromTheConfigEqualTheBuiltModel(bool withoutLora, bool simclrBatchNorm, bool featureNorm = false)
    {
        var config = MaMATestModels.Small with { SimClrOutputBatchNorm = simclrBatchNorm, GlobalImageFeatureNorm = featureNorm };
        if (withoutLora) config = config with { Lora = null };
        using var model = MaMATestModels.Build(config, seed: 1);
        var counts = MaMAModel.CountParameters(config);
        static bool IsLora(string n) => n.Contains(".lora_A.", StringComparison.Ordinal) || n.Contains(".lora_B.", StringComparison.Ordinal);

        Assert.AreEqual(Count(model, "img_encoder_q.model."), counts.ImageEncoder);
        Assert.AreEqual(Count(model, "img_encoder_q.global_embed.") + Count(model, "img_encoder_q.global_norm.") + Count(model, "img_encoder_q.local_embed."), counts.ImageProjections);
        Assert.AreEqual(featureNorm ? 2 * config.Vision.Width : 0, Count(model, "img_encoder_q.global_norm."));
        Assert.AreEqual(Count(model, "simclr_proj."), counts.SimClrHead);
        Assert.AreEqual(Count(model, "text_encoder_q.model.", n => !IsLora(n)), counts.TextEncoder);
        Assert.AreEqual(Count(model, "text_encoder_q.model.", IsLora), counts.Lora);
        Assert.AreEqual(Count(model, "text_encoder_q.global_embed.") + Count(model, "text_encoder_q.local_embed."), counts.TextProjections);
        Assert.AreEqual(Count(model, "scales."), counts.Scales);
        Assert.AreEqual(model.parameters().Sum(p => p.numel()), counts.Total);
        Assert.AreEqual(model.TrainableParameters().Sum(p => p.Parameter.numel()), counts.Trainable);
        if (withoutLora) Assert.AreEqual(0L, counts.Lora);
        else Assert.IsGreaterThan(0L, counts.Lora);
    }

    [TestMethod]
    public void MaMABaseCountsMatchClosedForms()
    {
        var counts = MaMAModel.CountParameters(MaMAConfig.MaMABase);
        // ViT-B/14, 4 registers, 37 x 37 grid: patch conv, cls, pos, registers, mask token, 12 blocks, final norm.
        long d = 768, block = 2 * d + (3 * d * d + 3 * d) + (d * d + d) + d + 2 * d + (d * 4 * d + 4 * d) + (4 * d * d + d) + d;
        long vit = (3 * 14 * 14 * d + d) + d + (1 + 37 * 37) * d + 4 * d + d + 12 * block + 2 * d;
        Assert.AreEqual(86_583_552L, vit, "the closed form itself");
        Assert.AreEqual(vit, counts.ImageEncoder);
        // BioMedLM with 28,896 + 6 tokens, 1024 positions, width 2560, 32 layers.
        long t = 2560, layer = 2 * (2 * t) + (t * 3 * t + 3 * t) + (t * t + t) + (t * 4 * t + 4 * t) + (4 * t * t + t);
        Assert.AreEqual(28_902 * t + 1024 * t + 32 * layer + 2 * t, counts.TextEncoder);
        Assert.AreEqual(2_621_440L, counts.Lora);
        // Linear 768->512 + Conv 768->2048, BN 2048, Conv 2048->512; the same from 2560 for text.
        Assert.AreEqual((768 * 512 + 512) + (768 * 2048 + 2048) + 2 * 2048 + (2048 * 512 + 512), counts.ImageProjections);
        Assert.AreEqual((2560 * 512 + 512) + (2560 * 2048 + 2048) + 2 * 2048 + (2048 * 512 + 512), counts.TextProjections);
        Assert.AreEqual(768 * 768 + 2 * 768 + 768 * 512 + 2 * 512, counts.SimClrHead);
        Assert.AreEqual(counts.ImageEncoder - 3 * 768 + counts.ImageProjections + counts.SimClrHead + counts.Lora + counts.TextProjections + 2, counts.Trainable);
    }
}
