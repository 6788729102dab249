namespace MaMA.MLNet.Modeling.Text;

/// <summary>The MLP activation of a GPT-2 block.</summary>
public enum Gpt2Activation
{
    /// <summary>GELU with the tanh approximation (Hugging Face <c>gelu_new</c>; GPT-2 and BioMedLM).</summary>
    GeluTanh,

    /// <summary>Exact GELU (erf).</summary>
    Gelu,
}

/// <summary>
/// Shape and regularisation of a GPT-2-architecture text encoder (Hugging Face <c>GPT2Config</c> names in the
/// comments). The presets are the public GPT-2 small and BioMedLM configurations and small ones for tests.
/// </summary>
public sealed record Gpt2Config
{
    /// <summary>Rows of the token embedding (<c>vocab_size</c>), including any added special tokens.</summary>
    public required int VocabSize { get; init; }

    /// <summary>Longest sequence, the rows of the position embedding (<c>n_positions</c>).</summary>
    public required int ContextLength { get; init; }

    /// <summary>Hidden width (<c>n_embd</c>).</summary>
    public required int Width { get; init; }

    /// <summary>Number of transformer blocks (<c>n_layer</c>).</summary>
    public required int Layers { get; init; }

    /// <summary>Attention heads per block (<c>n_head</c>); must divide <see cref="Width"/>.</summary>
    public required int Heads { get; init; }

    /// <summary>Hidden width of the MLP (<c>n_inner</c>); null means 4 x <see cref="Width"/>.</summary>
    public int? InnerWidth { get; init; }

    /// <summary>LayerNorm epsilon (<c>layer_norm_epsilon</c>).</summary>
    public double LayerNormEps { get; init; } = 1e-5;

    /// <summary>Dropout after the embeddings (<c>embd_pdrop</c>).</summary>
    public double EmbeddingDropout { get; init; } = 0.1;

    /// <summary>Dropout on the attention probabilities (<c>attn_pdrop</c>).</summary>
    public double AttentionDropout { get; init; } = 0.1;

    /// <summary>Dropout on each residual branch (<c>resid_pdrop</c>).</summary>
    public double ResidualDropout { get; init; } = 0.1;

    /// <summary>MLP activation (<c>activation_function</c>; GPT-2 uses <c>gelu_new</c>).</summary>
    public Gpt2Activation Activation { get; init; } = Gpt2Activation.GeluTanh;

    /// <summary>The MLP hidden width actually used.</summary>
    public int MlpWidth => InnerWidth ?? 4 * Width;

    /// <summary>Width of one attention head.</summary>
    public int HeadWidth => Width / Heads;

    /// <summary>GPT-2 small (124M): 50,257 tokens, 1024 positions, width 768, 12 layers, 12 heads.</summary>
    public static Gpt2Config Gpt2 => new() { VocabSize = 50257, ContextLength = 1024, Width = 768, Layers = 12, Heads = 12 };

    /// <summary>BioMedLM (stanford-crfm/BioMedLM, 2.7B): 28,896 tokens, 1024 positions, width 2560, 32 layers, 20 heads.</summary>
    public static Gpt2Config BioMedLM => new() { VocabSize = 28896, ContextLength = 1024, Width = 2560, Layers = 32, Heads = 20 };

    /// <summary>A two-block model for unit tests: 96 tokens, 32 positions, width 32, 4 heads.</summary>
    public static Gpt2Config Tiny => new() { VocabSize = 96, ContextLength = 32, Width = 32, Layers = 2, Heads = 4 };

    /// <summary>Looks a preset up by name: <c>gpt2</c>, <c>biomedlm</c> or <c>tiny</c> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">The name is not a preset.</exception>
    public static Gpt2Config FromPreset(string name) => name.Trim().ToLowerInvariant() switch
    {
        "gpt2" => Gpt2,
        "biomedlm" => BioMedLM,
        "tiny" => Tiny,
        _ => throw new ArgumentException($"Unknown GPT-2 preset '{name}': use gpt2, biomedlm or tiny.", nameof(name)),
    };

    /// <summary>Checks that every size is positive, the heads divide the width and the dropout rates are in [0, 1).</summary>
    /// <exception cref="ArgumentException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        static void Positive(long value, string name)
        {
            if (value <= 0) throw new ArgumentException($"Gpt2Config.{name} must be positive, got {value}.");
        }
        static void Rate(double value, string name)
        {
            if (!(value >= 0 && value < 1)) throw new ArgumentException($"Gpt2Config.{name} must be in [0, 1), got {value}.");
        }
        Positive(VocabSize, nameof(VocabSize));
        Positive(ContextLength, nameof(ContextLength));
        Positive(Width, nameof(Width));
        Positive(Layers, nameof(Layers));
        Positive(Heads, nameof(Heads));
        Positive(MlpWidth, nameof(InnerWidth));
        if (Width % Heads != 0)
            throw new ArgumentException($"Gpt2Config.Heads ({Heads}) must divide Width ({Width}).");
        if (!(LayerNormEps > 0)) throw new ArgumentException($"Gpt2Config.LayerNormEps must be positive, got {LayerNormEps}.");
        Rate(EmbeddingDropout, nameof(EmbeddingDropout));
        Rate(AttentionDropout, nameof(AttentionDropout));
        Rate(ResidualDropout, nameof(ResidualDropout));
    }

    /// <summary>
    /// The linear layers of every block, named as in the state dict (<c>h.N.attn.c_attn</c>, ...), with their
    /// input and output widths. LoRA targeting and parameter counting both read this one list.
    /// </summary>
    public IEnumerable<(string Name, int InFeatures, int OutFeatures)> LinearLayers()
    {
        for (int i = 0; i < Layers; i++)
        {
            yield return ($"h.{i}.attn.c_attn", Width, 3 * Width);
            yield return ($"h.{i}.attn.c_proj", Width, Width);
            yield return ($"h.{i}.mlp.c_fc", Width, MlpWidth);
            yield return ($"h.{i}.mlp.c_proj", MlpWidth, Width);
        }
    }

    /// <summary>
    /// Parameters of the encoder (embeddings, blocks, final LayerNorm; no LM head), counted from the
    /// configuration alone, without allocating a module.
    /// </summary>
    public long CountParameters()
    {
        long d = Width;
        long embeddings = (long)VocabSize * d + (long)ContextLength * d;
        long linears = LinearLayers().Sum(l => (long)l.InFeatures * l.OutFeatures + l.OutFeatures);
        long layerNorms = Layers * 2 * (2 * d) + 2 * d;
        return embeddings + linears + layerNorms;
    }

    /// <summary>The same configuration with another vocabulary size (after adding special tokens).</summary>
    public Gpt2Config WithVocabSize(int vocabSize) => this with { VocabSize = vocabSize };
}
