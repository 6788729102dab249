using MaMA.MLNet.Modeling.Text;
using MaMA.MLNet.Modeling.Weights;

namespace MaMA.MLNet.Modeling.Pretrained;

/// <summary>
/// Reads the <c>config.json</c> of a Hugging Face GPT-2-architecture model (GPT-2, BioMedLM: <c>model_type</c>
/// <c>gpt2</c>) into a <see cref="Gpt2Config"/>: <c>vocab_size</c>, <c>n_positions</c>, <c>n_embd</c>,
/// <c>n_layer</c>, <c>n_head</c>, <c>n_inner</c>, <c>layer_norm_epsilon</c>, the three dropout rates and
/// <c>activation_function</c> (<c>gelu_new</c> / <c>gelu_pytorch_tanh</c> or <c>gelu</c>).
/// </summary>
public static class Gpt2HuggingFaceConfig
{
    /// <summary>Reads <paramref name="configJsonPath"/>.</summary>
    /// <exception cref="WeightLoadException">The file is missing, malformed, of another model type, or describes an invalid model; the message names the file and the field.</exception>
    public static Gpt2Config Read(string configJsonPath)
    {
        var file = HuggingFaceConfigFile.Read(configJsonPath);
        if (file.ModelType is { } type && type != "gpt2")
            throw new WeightLoadException($"Hugging Face config '{configJsonPath}' is for model_type '{type}', not a GPT-2-architecture model ('gpt2').");
        var defaults = new Gpt2Config { VocabSize = 1, ContextLength = 1, Width = 1, Layers = 1, Heads = 1 };
        string activation = file.String("activation_function") ?? "gelu_new";
        var config = new Gpt2Config
        {
            VocabSize = file.RequiredInt("vocab_size"),
            ContextLength = file.OptionalInt("n_positions") ?? file.RequiredInt("n_ctx"),
            Width = file.RequiredInt("n_embd"),
            Layers = file.RequiredInt("n_layer"),
            Heads = file.RequiredInt("n_head"),
            InnerWidth = file.OptionalInt("n_inner"),
            LayerNormEps = file.OptionalDouble("layer_norm_epsilon") ?? defaults.LayerNormEps,
            EmbeddingDropout = file.OptionalDouble("embd_pdrop") ?? defaults.EmbeddingDropout,
            AttentionDropout = file.OptionalDouble("attn_pdrop") ?? defaults.AttentionDropout,
            ResidualDropout = file.OptionalDouble("resid_pdrop") ?? defaults.ResidualDropout,
            Activation = activation switch
            {
                "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" => Gpt2Activation.GeluTanh,
                "gelu" => Gpt2Activation.Gelu,
                _ => throw new WeightLoadException($"Hugging Face config '{configJsonPath}': activation_function '{activation}' is not supported (gelu_new or gelu)."),
            },
        };
        try { config.Validate(); }
        catch (ArgumentException e) { throw file.Invalid(e); }
        return config;
    }
}
