using MaMA.MLNet.Training.Tests.Toy;

namespace MaMA.MLNet.Training.Tests;

[TestClass]
public sealed class WeightDecayTests
{
    [TestMethod]
    [DataRow("blocks.0.attn.qkv.weight", 2, true)]
    [DataRow("patch_embed.proj.weight", 4, true)]
    [DataRow("h.3.attn.c_attn.lora_A.weight", 2, true)]
    [DataRow("local_embed.conv1.weight", 3, true)]
    [DataRow("blocks.0.attn.qkv.bias", 1, false)]
    [DataRow("blocks.0.norm1.weight", 1, false)]
    [DataRow("blocks.0.ls1.gamma", 1, false)]
    [DataRow("logit_scale", 0, false)]
    [DataRow("cls_token", 3, false)]
    [DataRow("register_tokens", 3, false)]
    [DataRow("pos_embed", 3, false)]
    [DataRow("wte.weight", 2, false)]
    [DataRow("wpe.weight", 2, false)]
    [DataRow("embeddings.position_embeddings", 3, false)]
    [DataRow("text.token_embedding.weight", 2, false)]
    [DataRow("h.0.ln_1.weight_2d_for_test", 2, false)]
    public void TheDefaultRuleExcludesBiasesNormsScalesAndEmbeddings(string name, int dimensions, bool decays)
    {
        Assert.AreEqual(decays, WeightDecayRule.Decays(WeightDecayMode.ExcludeBiasNormScaleEmbedding, name, dimensions), name);
        Assert.IsTrue(WeightDecayRule.Decays(WeightDecayMode.All, name, dimensions), name);
    }

    [TestMethod]
    public void AdamWDecaysOnlyTheDecayGroupByTheClosedForm()
    {
        // Zero gradients: Adam's update is 0 / (0 + eps) = 0, so a step only applies decoupled decay,
        // p <- p * (1 - lr * wd), and leaves no-decay parameters alone.
        var objective = new ToyObjective(dropout: 0, lateStart: 0) { ZeroLoss = true };
        var before = objective.Net.Snapshot();
        var options = Toys.Options(1) with { WarmupSteps = 0, LearningRate = 0.01, WeightDecay = 0.5, AccumulationSteps = 1 };
        new PretrainingTrainer<ToyPrepared, ToyBatch>(objective, new ToyData(), options).Run();
        var after = objective.Net.Snapshot();

        double factor = 1 - 0.01 * 0.5;
        foreach (string decayed in new[] { "fc1.weight", "fc2.weight", "late_head.weight" })
            for (int i = 0; i < before[decayed].Length; i++)
                Assert.AreEqual(before[decayed][i] * factor, after[decayed][i], 1e-6, decayed);
        foreach (string kept in new[] { "fc1.bias", "fc2.bias", "norm.weight", "norm.bias", "logit_scale", "frozen_table" })
            CollectionAssert.AreEqual(before[kept], after[kept], kept);
    }
}
