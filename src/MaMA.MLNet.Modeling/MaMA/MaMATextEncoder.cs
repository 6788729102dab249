using MaMA.MLNet.Modeling.Heads;
using MaMA.MLNet.Modeling.Text;
using MaMA.MLNet.Modeling.Text.Lora;
using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.MaMA;

/// <summary>
/// The text side of MaMA, laid out as the reference's <c>CausalLMEncoder</c>: <c>model</c> (the GPT-2 encoder
/// with the vocabulary resized for MaMA's special tokens and LoRA attached, base frozen), <c>global_embed</c>
/// (Linear D -> E on the pooled hidden state) and <c>local_embed</c> (the Conv1d head on sentence features).
/// </summary>
public sealed class MaMATextEncoder : nn.Module
{
#pragma warning disable IDE1006 // field names are the state-dict names
    private readonly Gpt2TextEncoder model;
    private readonly GlobalProjection global_embed;
    private readonly LocalProjectionHead local_embed;
#pragma warning restore IDE1006

    /// <summary>Builds the encoder (resized vocabulary, LoRA when configured) and heads for <paramref name="config"/>.</summary>
    public MaMATextEncoder(MaMAConfig config) : this(config, null) { }

    /// <summary>
    /// Builds around <paramref name="pretrainedBase"/> (an encoder with the base vocabulary and loaded weights; null:
    /// a fresh one): its token embedding is resized for MaMA's special tokens (new rows N(0, 0.02^2), see
    /// <see cref="MaMAModel.FromPretrained(MaMAPretrainedOptions)"/>), then LoRA is attached, then the heads are created.
    /// </summary>
    internal MaMATextEncoder(MaMAConfig config, Gpt2TextEncoder? pretrainedBase) : base(nameof(MaMATextEncoder))
    {
        if (pretrainedBase is not null)
        {
            if (pretrainedBase.Config != config.Text)
                throw new ArgumentException("The given text encoder was built from another configuration than MaMAConfig.Text (the base vocabulary).", nameof(pretrainedBase));
            pretrainedBase.ResizeTokenEmbeddings(config.TextVocabSize, EmbeddingResizeInit.Normal);
        }
        model = pretrainedBase ?? new Gpt2TextEncoder(config.ResizedText);
        if (config.Lora is not null) LoraInjector.Apply(model, config.Lora);
        global_embed = new GlobalProjection(config.Text.Width, config.EmbeddingSize);
        local_embed = new LocalProjectionHead(config.Text.Width, config.LocalProjectionHidden, config.EmbeddingSize);
        RegisterComponents();
    }

    /// <summary>The GPT-2 encoder (<c>model</c>).</summary>
    public Gpt2TextEncoder Backbone => model;

    /// <summary>The global projection (<c>global_embed</c>).</summary>
    public GlobalProjection GlobalEmbed => global_embed;

    /// <summary>The local projection head (<c>local_embed</c>).</summary>
    public LocalProjectionHead LocalEmbed => local_embed;
}
