using MaMA.MLNet.Modeling.Text.Lora;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MaMA.MLNet.Modeling.Text;

/// <summary>
/// The GPT-2-architecture text encoder (GPT-2, BioMedLM): token and learned position embeddings, pre-LN
/// blocks with causal attention, final LayerNorm <c>ln_f</c>; no LM head. The output is the last hidden
/// state after <c>ln_f</c>, [B, S, width].
/// <para>
/// State-dict names are Hugging Face <c>GPT2Model</c>'s without the <c>transformer.</c> prefix
/// (<c>wte.weight</c>, <c>h.N.attn.c_attn.weight</c>, ...), but every linear weight is stored [out, in] as in
/// nn.Linear (Hugging Face's Conv1D stores [in, out]; <see cref="Gpt2WeightImporter"/> transposes).
/// </para>
/// <para>
/// Compute dtype: <see cref="ComputeDType"/> is the dtype of <c>ln_f.weight</c> widened to at least float32,
/// so a model held entirely in float64 computes in float64, and a frozen base held in bfloat16/float16
/// (<see cref="HoldFrozenBaseIn"/>) computes in float32, each weight widened where it is used.
/// </para>
/// </summary>
public sealed class Gpt2TextEncoder : nn.Module<Tensor, Tensor?, Tensor>
{
#pragma warning disable IDE1006 // field names are the state-dict names
    private readonly Gpt2Embedding wte;
    private readonly Gpt2Embedding wpe;
    private readonly ModuleList<Gpt2Block> h;
    private readonly Gpt2LayerNorm ln_f;
#pragma warning restore IDE1006

    /// <summary>
    /// Creates an encoder initialised as Hugging Face initialises GPT-2: linear weights and embeddings
    /// N(0, 0.02^2), the two residual projections (<c>attn.c_proj</c>, <c>mlp.c_proj</c>) N(0, (0.02/sqrt(2 x
    /// layers))^2), biases 0, LayerNorms 1/0. Seed with <see cref="TorchRuntime.Seed"/> first for repeatable weights.
    /// </summary>
    /// <exception cref="ArgumentException">The configuration is invalid.</exception>
    public Gpt2TextEncoder(Gpt2Config config) : base("Gpt2TextEncoder")
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        wte = new Gpt2Embedding("wte", config.VocabSize, config.Width);
        wpe = new Gpt2Embedding("wpe", config.ContextLength, config.Width);
        h = new ModuleList<Gpt2Block>(Enumerable.Range(0, config.Layers).Select(i => new Gpt2Block(i.ToString(), config)).ToArray());
        ln_f = new Gpt2LayerNorm("ln_f", config.Width, config.LayerNormEps);
        RegisterComponents();
        InitialiseLikeGpt2();
    }

    /// <summary>The configuration; <see cref="Gpt2Config.VocabSize"/> follows <see cref="ResizeTokenEmbeddings"/>.</summary>
    public Gpt2Config Config { get; private set; }

    /// <summary>
    /// Recompute each block's activations in the backward pass instead of keeping them (gradient checkpointing, see
    /// <see cref="ActivationRecomputation"/>); the attention mask is kept for the recomputation. Applies in training
    /// mode with gradients on; off by default.
    /// </summary>
    public bool RecomputeActivations { get; set; }

    /// <summary>The token embedding <c>wte</c>.</summary>
    public Gpt2Embedding TokenEmbedding => wte;

    /// <summary>The position embedding <c>wpe</c>.</summary>
    public Gpt2Embedding PositionEmbedding => wpe;

    /// <summary>The dtype activations are computed in (see the class remarks).</summary>
    public ScalarType ComputeDType =>
        ln_f.Weight.dtype is ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;

    /// <summary>Every linear layer with its full state-dict name (<c>h.0.attn.c_attn</c>, ...).</summary>
    public IEnumerable<(string Name, LoraLinear Layer)> LinearLayers() =>
        named_modules().Where(m => m.module is LoraLinear).Select(m => (m.name, (LoraLinear)m.module));

    /// <summary>
    /// Encodes token ids [B, S] (int64, S &lt;= context length) into the last hidden state after <c>ln_f</c>,
    /// [B, S, width]. <paramref name="attentionMask"/> [B, S] marks real tokens with 1 (padding 0); null
    /// means every position is real. Positions are 0..S-1 regardless of padding, as in Hugging Face GPT-2.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong shapes, a sequence longer than the context, or an id outside the vocabulary.</exception>
    public override Tensor forward(Tensor inputIds, Tensor? attentionMask)
    {
        CheckInputs(inputIds, attentionMask);
        long s = inputIds.shape[1];
        ScalarType compute = ComputeDType;
        var positions = ExplicitScalars.Range(s, inputIds.device);
        var x = wte.forward(inputIds).to(compute).Plus(wpe.forward(positions).to(compute));
        x = F.dropout(x, Config.EmbeddingDropout, training);
        // Without padding, SDPA's built-in causal mask is the cheaper path.
        using var allowed = attentionMask is null || attentionMask.all().item<bool>() ? null : Gpt2AttentionMask.Build(attentionMask);
        bool recompute = RecomputeActivations && training && is_grad_enabled();
        foreach (var block in h)
            x = recompute
                ? ActivationRecomputation.Run(block.forward, x, allowed, block.parameters().Where(p => p.requires_grad).ToList<Tensor>())
                : block.forward(x, allowed);
        return ln_f.forward(x);
    }

    /// <summary>
    /// Resizes the token embedding to <paramref name="vocabSize"/> rows (after adding special tokens), keeping
    /// the existing rows; see <see cref="EmbeddingResizeInit"/> for the new rows. Updates <see cref="Config"/>.
    /// </summary>
    public void ResizeTokenEmbeddings(int vocabSize, EmbeddingResizeInit init = EmbeddingResizeInit.Mean)
    {
        wte.Resize(vocabSize, init);
        Config = Config.WithVocabSize(vocabSize);
    }

    /// <summary>
    /// Holds every parameter that does not require a gradient (the frozen base after
    /// <see cref="LoraInjector.Apply"/>) in <paramref name="dtype"/>, e.g. bfloat16 to halve its memory, while
    /// trainable parameters (LoRA adapters) keep their dtype. Compute stays in float32 (see the class remarks).
    /// </summary>
    public void HoldFrozenBaseIn(ScalarType dtype)
    {
        if (!is_floating_point(dtype)) throw new ArgumentException($"The frozen base must be held in a floating dtype, not {dtype}.", nameof(dtype));
        foreach (var (_, module) in named_modules())
            if (module is IFrozenWeightHolder holder) holder.CastFrozenParameters(dtype);
    }

    private void CheckInputs(Tensor inputIds, Tensor? attentionMask)
    {
        if (inputIds.dim() != 2)
            throw new ArgumentException($"Token ids must be [batch, sequence], got [{string.Join(", ", inputIds.shape)}].", nameof(inputIds));
        if (inputIds.dtype != ScalarType.Int64)
            throw new ArgumentException($"Token ids must be int64, got {inputIds.dtype}.", nameof(inputIds));
        if (inputIds.shape[1] > Config.ContextLength)
            throw new ArgumentException($"Sequence length {inputIds.shape[1]} exceeds the context length {Config.ContextLength}.", nameof(inputIds));
        if (inputIds.numel() > 0)
        {
            long min = inputIds.min().item<long>(), max = inputIds.max().item<long>();
            if (min < 0 || max >= wte.Rows)
                throw new ArgumentException($"Token ids must lie in [0, {wte.Rows}); got values from {min} to {max}.", nameof(inputIds));
        }
        if (attentionMask is not null && !attentionMask.shape.SequenceEqual(inputIds.shape))
            throw new ArgumentException(
                $"The attention mask [{string.Join(", ", attentionMask.shape)}] must have the shape of the ids [{string.Join(", ", inputIds.shape)}].",
                nameof(attentionMask));
    }

    private void InitialiseLikeGpt2()
    {
        using var _ = no_grad();
        double residualStd = 0.02 / Math.Sqrt(2.0 * Config.Layers);
        foreach (var (name, layer) in LinearLayers())
        {
            nn.init.normal_(layer.Weight, 0, name.EndsWith("c_proj", StringComparison.Ordinal) ? residualStd : 0.02);
            if (layer.Bias is not null) nn.init.zeros_(layer.Bias);
        }
    }
}
