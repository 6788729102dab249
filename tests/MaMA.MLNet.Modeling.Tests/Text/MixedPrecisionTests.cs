using MaMA.MLNet.Modeling.Text;
using MaMA.MLNet.Modeling.Text.Lora;
using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.Text;

[TestClass]
public sealed class MixedPrecisionTests
{
    [TestMethod]
    [DataRow(ScalarType.BFloat16, 0.05)]
    [DataRow(ScalarType.Float16, 0.01)]
    public void HalfPrecisionFrozenBaseApproximatesFloat32AndKeepsAdaptersTrainable(ScalarType storage, double tolerance)
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(31);
        using var encoder = new Gpt2TextEncoder(Gpt2Config.Tiny);
        LoraInjector.Apply(encoder, new LoraConfig());
        using (no_grad())
            foreach (var (_, p) in LoraInjector.AdapterParameters(encoder)) p.copy_(randn_like(p) * 0.05);
        encoder.eval();
        var ids = Gpt2Reference.Ids([[4, 8, 15, 16, 23, 42, 7, 9]]);
        var mask = Gpt2Reference.Mask([[1, 1, 1, 1, 1, 1, 0, 0]]);
        Tensor reference;
        using (no_grad()) reference = encoder.forward(ids, mask);

        encoder.HoldFrozenBaseIn(storage);
        var sd = encoder.state_dict();
        Assert.AreEqual(storage, sd["h.0.attn.c_attn.weight"].dtype);
        Assert.AreEqual(storage, sd["wte.weight"].dtype);
        Assert.AreEqual(storage, sd["ln_f.bias"].dtype);
        Assert.AreEqual(ScalarType.Float32, sd["h.0.attn.c_attn.lora_A.weight"].dtype);
        Assert.AreEqual(ScalarType.Float32, encoder.ComputeDType);

        var output = encoder.forward(ids, mask);
        Assert.AreEqual(ScalarType.Float32, output.dtype);
        double scale = reference.abs().max().item<float>();
        Assert.AreEqual(0, Gpt2Reference.MaxAbsDiff(output, reference) / scale, tolerance);
        Assert.IsGreaterThan(0, Gpt2Reference.MaxAbsDiff(output, reference), "the half-precision copy really is used");

        output.pow(2).mean().backward();
        foreach (var (name, p) in LoraInjector.AdapterParameters(encoder))
            Assert.IsGreaterThan(0, p.grad!.abs().sum().item<float>(), name);
    }
}
