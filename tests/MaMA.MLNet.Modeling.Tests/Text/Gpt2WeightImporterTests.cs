using MaMA.MLNet.Modeling.Text;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.Text;

[TestClass]
public sealed class Gpt2WeightImporterTests
{
    private static readonly string[] Conv1D = ["attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight"];

    private static readonly string TempDirectory = Path.Combine(Path.GetTempPath(), "mama-gpt2-import-" + Guid.NewGuid().ToString("N"));

    [ClassCleanup]
    public static void RemoveTempFiles()
    {
        if (Directory.Exists(TempDirectory)) Directory.Delete(TempDirectory, recursive: true);
    }

    private static string TempFile(string name)
    {
        Directory.CreateDirectory(TempDirectory);
        return Path.Combine(TempDirectory, name);
    }

    /// <summary>A Hugging Face GPT2LMHeadModel-style state dict of <paramref name="encoder"/>: prefixed, Conv1D [in, out], plus lm_head and mask buffers.</summary>
    private static Dictionary<string, Tensor> HuggingFaceStyle(Gpt2TextEncoder encoder, bool prefix = true)
    {
        var result = new Dictionary<string, Tensor>();
        foreach (var (name, value) in encoder.state_dict())
        {
            bool conv = Conv1D.Any(c => name.EndsWith(c, StringComparison.Ordinal));
            result[(prefix ? "transformer." : "") + name] = (conv ? value.t() : value).contiguous().clone();
        }
        int s = encoder.Config.ContextLength;
        for (int i = 0; i < encoder.Config.Layers; i++)
        {
            result[$"transformer.h.{i}.attn.bias"] = ones(1, 1, s, s).tril();
            result[$"transformer.h.{i}.attn.masked_bias"] = tensor(-1e4f);
        }
        result["lm_head.weight"] = encoder.TokenEmbedding.Weight.detach().clone();
        return result;
    }

    private static (Gpt2TextEncoder Source, Tensor Ids, Tensor Expected) Original(long seed)
    {
        TorchRuntime.Seed(seed);
        var source = new Gpt2TextEncoder(Gpt2Config.Tiny);
        Gpt2Reference.Randomise(source);
        source.eval();
        var ids = Gpt2Reference.Ids([[3, 1, 4, 1, 5, 9, 2, 6]]);
        using var _ = no_grad();
        return (source, ids, source.forward(ids, null));
    }

    private static void AssertSameOutputs(Gpt2TextEncoder loaded, Tensor ids, Tensor expected)
    {
        loaded.eval();
        using var _ = no_grad();
        Assert.AreEqual(0, Gpt2Reference.MaxAbsDiff(loaded.forward(ids, null), expected), 1e-6);
    }

    [TestMethod]
    public void SafetensorsInHuggingFaceLayoutLoadsAndReproducesTheOutputs()
    {
        using var scope = NewDisposeScope();
        var (source, ids, expected) = Original(41);
        string path = TempFile("model.safetensors");
        Safetensors.SaveStateDict(path, HuggingFaceStyle(source));
        TorchRuntime.Seed(99);
        using var target = new Gpt2TextEncoder(Gpt2Config.Tiny);
        var report = Gpt2WeightImporter.LoadFile(target, path);
        Assert.AreEqual(source.state_dict().Count, report.Loaded.Count);
        Assert.HasCount(2 * Gpt2Config.Tiny.Layers + 1, report.Ignored);
        Assert.Contains("lm_head.weight", report.Ignored);
        AssertSameOutputs(target, ids, expected);
        // Conv1D really was transposed: a [32, 96] c_attn in the file became [96, 32] in the encoder.
        Assert.AreEqual(0, Gpt2Reference.MaxAbsDiff(target.state_dict()["h.0.attn.c_attn.weight"], source.state_dict()["h.0.attn.c_attn.weight"]));
    }

    [TestMethod]
    public void PickleWithoutPrefixLoadsAndReproducesTheOutputs()
    {
        using var scope = NewDisposeScope();
        var (source, ids, expected) = Original(42);
        string path = TempFile("pytorch_model.bin");
        var dict = HuggingFaceStyle(source, prefix: false).Where(kv => !kv.Key.StartsWith("transformer.") && kv.Key != "lm_head.weight")
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        PyTorchPickler.PickleStateDict(path, dict);
        using var target = new Gpt2TextEncoder(Gpt2Config.Tiny);
        Gpt2WeightImporter.LoadFile(target, path);
        AssertSameOutputs(target, ids, expected);
    }

    [TestMethod]
    public void OwnLinearLayoutLoadsWithoutTransposing()
    {
        using var scope = NewDisposeScope();
        var (source, ids, expected) = Original(43);
        string path = TempFile("encoder.safetensors");
        Safetensors.SaveStateDict(path, source.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone()));
        using var target = new Gpt2TextEncoder(Gpt2Config.Tiny);
        Gpt2WeightImporter.LoadFile(target, path, layout: Gpt2WeightLayout.Linear);
        AssertSameOutputs(target, ids, expected);
    }

    [TestMethod]
    public void StrictImportReportsMissingUnexpectedAndMismatchedNamesAndCopiesNothing()
    {
        using var scope = NewDisposeScope();
        var (source, _, _) = Original(44);
        var dict = HuggingFaceStyle(source);
        dict.Remove("transformer.h.1.ln_2.bias");
        dict["transformer.h.0.attn.rotary.weight"] = zeros(3);
        dict["transformer.wpe.weight"] = zeros(16, 32);
        using var target = new Gpt2TextEncoder(Gpt2Config.Tiny);
        var before = target.state_dict()["wte.weight"].clone();
        var e = Assert.ThrowsExactly<Gpt2WeightImportException>(() => Gpt2WeightImporter.Load(target, dict, "probe.safetensors"));
        CollectionAssert.AreEqual(new[] { "h.1.ln_2.bias" }, e.Missing.ToArray());
        CollectionAssert.AreEqual(new[] { "h.0.attn.rotary.weight" }, e.Unexpected.ToArray());
        Assert.HasCount(1, e.ShapeMismatches);
        StringAssert.Contains(e.ShapeMismatches[0], "wpe.weight: source [16, 32] vs encoder [32, 32]");
        StringAssert.Contains(e.Message, "probe.safetensors");
        Assert.AreEqual(0, Gpt2Reference.MaxAbsDiff(before, target.state_dict()["wte.weight"]), "nothing was copied");
    }

    [TestMethod]
    public void NonStrictImportLoadsWhatFitsAndReportsTheRest()
    {
        using var scope = NewDisposeScope();
        var (source, _, _) = Original(45);
        var dict = HuggingFaceStyle(source);
        dict.Remove("transformer.ln_f.bias");
        dict["transformer.extra.weight"] = zeros(2);
        using var target = new Gpt2TextEncoder(Gpt2Config.Tiny);
        var report = Gpt2WeightImporter.Load(target, dict, "probe", strict: false);
        CollectionAssert.AreEqual(new[] { "ln_f.bias" }, report.Missing.ToArray());
        CollectionAssert.AreEqual(new[] { "extra.weight" }, report.Unexpected.ToArray());
        Assert.AreEqual(0, Gpt2Reference.MaxAbsDiff(source.state_dict()["h.1.mlp.c_fc.weight"], target.state_dict()["h.1.mlp.c_fc.weight"]));
        // Shape mismatches stay errors even when not strict.
        dict["transformer.wte.weight"] = zeros(5, 32);
        Assert.ThrowsExactly<Gpt2WeightImportException>(() => Gpt2WeightImporter.Load(target, dict, "probe", strict: false));
    }

    [TestMethod]
    public void MalformedFilesGetTheImportException()
    {
        using var scope = NewDisposeScope();
        using var target = new Gpt2TextEncoder(Gpt2Config.Tiny);
        Assert.ThrowsExactly<Gpt2WeightImportException>(() => Gpt2WeightImporter.LoadFile(target, TempFile("absent.safetensors")));

        // A header that claims far more data than the file holds must fail before anything is allocated.
        string lying = TempFile("lying.safetensors");
        byte[] header = System.Text.Encoding.UTF8.GetBytes("{\"wte.weight\":{\"dtype\":\"F32\",\"shape\":[100000000,1000],\"data_offsets\":[0,400000000000]}}");
        using (var f = File.Create(lying))
        {
            f.Write(BitConverter.GetBytes((ulong)header.Length));
            f.Write(header);
            f.Write(new byte[16]);
        }
        var e = Assert.ThrowsExactly<Gpt2WeightImportException>(() => Gpt2WeightImporter.LoadFile(target, lying));
        StringAssert.Contains(e.Message, "wte.weight");

        string huge = TempFile("huge.safetensors");
        File.WriteAllBytes(huge, [.. BitConverter.GetBytes(ulong.MaxValue), 1, 2, 3]);
        Assert.ThrowsExactly<Gpt2WeightImportException>(() => Gpt2WeightImporter.LoadFile(target, huge));

        string garbage = TempFile("garbage.bin");
        File.WriteAllBytes(garbage, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        Assert.ThrowsExactly<Gpt2WeightImportException>(() => Gpt2WeightImporter.LoadFile(target, garbage));
    }

    [TestMethod]
    public void NamesMapAsDocumented()
    {
        Assert.AreEqual("h.3.attn.c_attn.weight", Gpt2WeightImporter.ToEncoderName("transformer.h.3.attn.c_attn.weight"));
        Assert.AreEqual("h.3.attn.c_attn.bias", Gpt2WeightImporter.ToEncoderName("h.3.attn.c_attn.bias"));
        Assert.IsNull(Gpt2WeightImporter.ToEncoderName("transformer.h.3.attn.bias"));
        Assert.IsNull(Gpt2WeightImporter.ToEncoderName("h.3.attn.masked_bias"));
        Assert.IsNull(Gpt2WeightImporter.ToEncoderName("lm_head.weight"));
    }
}
