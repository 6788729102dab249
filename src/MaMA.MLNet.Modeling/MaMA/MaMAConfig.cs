using System.Text.Json;
using System.Text.Json.Serialization;
using MaMA.MLNet.Modeling.Text;
using MaMA.MLNet.Modeling.Text.Lora;
using MaMA.MLNet.Modeling.Tokenization;
using MaMA.MLNet.Modeling.Vision;

namespace MaMA.MLNet.Modeling.MaMA;

/// <summary>
/// Everything that fixes the shape of a <see cref="MaMAModel"/>: the image encoder, the text encoder (its base
/// vocabulary before MaMA's special tokens are added), the projection sizes, text pooling, LoRA and the
/// dtype the frozen text base is held in. Presets: <see cref="Tiny"/> (CPU tests and demos) and
/// <see cref="MaMABase"/> (the paper's model). Serialises to and from JSON (<see cref="ToJson"/>,
/// <see cref="FromJson"/>).
/// </summary>
public sealed record MaMAConfig
{
    /// <summary>The config file format this code writes.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>Format version of the JSON this config came from (written as <see cref="CurrentFormatVersion"/>).</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>The DINOv2 image encoder (unused when <see cref="ImageEncoder"/> is <see cref="ImageEncoderKind.ResNet"/>).</summary>
    public required VisionTransformerConfig Vision { get; init; }

    /// <summary>Which network encodes images: the DINOv2 ViT (<see cref="Vision"/>, default) or a ResNet (<see cref="ResNet"/>).</summary>
    public ImageEncoderKind ImageEncoder { get; init; } = ImageEncoderKind.VisionTransformer;

    /// <summary>The ResNet image encoder; required when <see cref="ImageEncoder"/> is <see cref="ImageEncoderKind.ResNet"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ResNetConfig? ResNet { get; init; }

    /// <summary>
    /// The GPT-2-architecture text encoder with its <b>base</b> vocabulary (as published, e.g. GPT-2 50,257,
    /// BioMedLM 28,896); the model's token embedding has <see cref="TextVocabSize"/> rows.
    /// </summary>
    public required Gpt2Config Text { get; init; }

    /// <summary>Width of the shared image-text embedding space (MaMA: 512).</summary>
    public int EmbeddingSize { get; init; } = 512;

    /// <summary>Hidden width of both local projection heads (MaMA: 2048).</summary>
    public int LocalProjectionHidden { get; init; } = 2048;

    /// <summary>How the global text feature pools the hidden states (default masked mean; the reference used the padded mean).</summary>
    public TextPooling TextPooling { get; init; } = TextPooling.MaskedMean;

    /// <summary>LoRA on the text encoder (rank 8, alpha 32, dropout 0.1 on c_attn); null trains the whole text encoder instead.</summary>
    public LoraConfig? Lora { get; init; } = new();

    /// <summary>
    /// dtype the frozen text base is held in (<c>float32</c>, <c>bfloat16</c>, <c>float16</c>); only applies with
    /// LoRA. Compute stays float32 (see <see cref="Gpt2TextEncoder.HoldFrozenBaseIn"/>).
    /// </summary>
    public string FrozenTextBaseDType { get; init; } = "float32";

    /// <summary>Special tokens added to the base vocabulary (MaMA's six: bos, pad, mask, sep, unk, keytext).</summary>
    public int AddedSpecialTokens { get; init; } = MaMASpecialTokens.Added.Count;

    /// <summary>Caption length in tokens (MaMA: 144).</summary>
    public int TextMaxLength { get; init; } = MaMATokenizer.CaptionLength;

    /// <summary>
    /// End the SimCLR head with BatchNorm1d and no last bias, as the reference code's own
    /// <c>backbones/heads.py</c> does (true); false gives the plain Linear ending of the paper's description.
    /// </summary>
    public bool SimClrOutputBatchNorm { get; init; } = true;

    /// <summary>
    /// A BatchNorm1d on the pooled image feature before the global projection (not in the reference; default
    /// off). For encoders trained from scratch: a fresh ViT's mean-pooled feature points the same way for every
    /// image (the mean of linear patch embeddings cancels every spatial pattern; pairwise cosine 0.99998 on the
    /// phantom), so the CLIP loss starts at a symmetric saddle at exactly 2 ln B. Centring and scaling over the
    /// batch breaks it. In eval mode it is an affine map, folded into the projection for ONNX export.
    /// </summary>
    public bool GlobalImageFeatureNorm { get; init; }

    /// <summary>Rows of the model's token embedding: base vocabulary plus the added special tokens.</summary>
    [JsonIgnore] public int TextVocabSize => Text.VocabSize + AddedSpecialTokens;

    /// <summary>
    /// Id of the sentence separator: the added tokens get ids after the base vocabulary in
    /// <see cref="MaMASpecialTokens.Added"/> order, so sep is base + 3 (the same id <see cref="MaMATokenizer.SepId"/> gives).
    /// </summary>
    [JsonIgnore] public int SeparatorTokenId => Text.VocabSize + IndexOfSeparator;

    /// <summary>The text encoder configuration as built: <see cref="Text"/> with <see cref="TextVocabSize"/> rows.</summary>
    [JsonIgnore] public Gpt2Config ResizedText => Text.WithVocabSize(TextVocabSize);

    /// <summary>Side of the square training image of the chosen image encoder.</summary>
    [JsonIgnore] public int ImageSize => UsesResNet ? ResNet!.ImageSize : Vision.ImageSize;

    /// <summary>Image sides must be multiples of this (ViT: the patch size; ResNet: its stride 32).</summary>
    [JsonIgnore] public int ImageSideMultiple => UsesResNet ? ResNetConfig.Stride : Vision.PatchSize;

    /// <summary>Width D of the pooled image feature and of the local image features.</summary>
    [JsonIgnore] public int ImageFeatureWidth => UsesResNet ? ResNet!.Width : Vision.Width;

    /// <summary>The config with the image encoder trained at <paramref name="size"/> px.</summary>
    public MaMAConfig WithImageSize(int size) => UsesResNet
        ? this with { ResNet = ResNet! with { ImageSize = size } }
        : this with { Vision = Vision with { ImageSize = size } };

    private bool UsesResNet => ImageEncoder == ImageEncoderKind.ResNet;

    private static int IndexOfSeparator => MaMASpecialTokens.Added.ToList().IndexOf(MaMASpecialTokens.Sep);

    /// <summary>Checks every part and the values tying them together.</summary>
    /// <exception cref="ArgumentException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        if (Vision is null || Text is null) throw new ArgumentException("MaMAConfig needs both Vision and Text.");
        Vision.Validate();
        if (!Enum.IsDefined(ImageEncoder)) throw new ArgumentException($"MaMAConfig.ImageEncoder {ImageEncoder} is not an image encoder kind.");
        if (UsesResNet && ResNet is null) throw new ArgumentException("MaMAConfig.ImageEncoder is resNet but MaMAConfig.ResNet is missing.");
        ResNet?.Validate();
        Text.Validate();
        Lora?.Validate();
        if (FormatVersion != CurrentFormatVersion)
            throw new ArgumentException($"MaMAConfig.FormatVersion {FormatVersion} is not supported (this build reads {CurrentFormatVersion}).");
        if (EmbeddingSize <= 0) throw new ArgumentException($"MaMAConfig.EmbeddingSize must be positive, got {EmbeddingSize}.");
        if (LocalProjectionHidden <= 0) throw new ArgumentException($"MaMAConfig.LocalProjectionHidden must be positive, got {LocalProjectionHidden}.");
        if (AddedSpecialTokens < IndexOfSeparator + 1)
            throw new ArgumentException($"MaMAConfig.AddedSpecialTokens must be at least {IndexOfSeparator + 1} (up to the sep token), got {AddedSpecialTokens}.");
        if (TextMaxLength <= 0 || TextMaxLength > Text.ContextLength)
            throw new ArgumentException($"MaMAConfig.TextMaxLength must be in [1, {Text.ContextLength}] (the text context), got {TextMaxLength}.");
        if (!Enum.IsDefined(TextPooling)) throw new ArgumentException($"MaMAConfig.TextPooling {TextPooling} is not a pooling mode.");
        var dtype = TorchRuntime.ParseDType(FrozenTextBaseDType);
        if (dtype == TorchSharp.torch.ScalarType.Float64)
            throw new ArgumentException("MaMAConfig.FrozenTextBaseDType must be float32, bfloat16 or float16.");
    }

    /// <summary>
    /// A small model that trains and runs fast on a CPU but keeps every part of MaMA: ViT patch 14 at 112 px
    /// (8 x 8 patches), width 64, 2 blocks, 4 heads, 4 registers; GPT-2 with the real GPT-2 vocabulary (so the
    /// GPT-2 BPE tokenizer works), 144 positions, width 64, 2 layers, 4 heads; 128-d embeddings, local hidden 256.
    /// </summary>
    public static MaMAConfig Tiny => new()
    {
        Vision = new VisionTransformerConfig { ImageSize = 112, Width = 64, Depth = 2, Heads = 4, RegisterCount = 4 },
        Text = new Gpt2Config { VocabSize = 50257, ContextLength = 144, Width = 64, Layers = 2, Heads = 4 },
        EmbeddingSize = 128,
        LocalProjectionHidden = 256,
    };

    /// <summary>
    /// The paper's model: DINOv2 ViT-B/14 with 4 registers at 518 px, BioMedLM with LoRA r 8 / alpha 32 /
    /// dropout 0.1 on c_attn, 512-d embeddings, local hidden 2048, 144-token captions. Text pooling is the
    /// masked mean; set <see cref="TextPooling"/> to <see cref="Text.TextPooling.PaddedMean"/> for reference checkpoints.
    /// </summary>
    public static MaMAConfig MaMABase => new()
    {
        Vision = VisionTransformerConfig.DinoV2VitB14Reg,
        Text = Gpt2Config.BioMedLM,
    };

    /// <summary>
    /// <see cref="Tiny"/> with ML.NET's ImageNet ResNet18 (<see cref="ResNetConfig.ResNet18ImageNet"/>, 224 px, 512-d
    /// features, 7 x 7 local grid) as the image encoder. The weights come from the ONNX file of
    /// <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> (<c>ResNetOnnxWeights</c> in MaMA.MLNet.Onnx); a model built
    /// from the preset alone starts from random weights. With <see cref="GlobalImageFeatureNorm"/>: average-pooled ReLU
    /// features of similar images share a large positive mean (all phantom images point almost the same way), which
    /// left the CLIP loss at its 2 ln B saddle, as the fresh ViT's pooled feature did.
    /// </summary>
    public static MaMAConfig ResNet18ImageNet => Tiny with
    {
        ImageEncoder = ImageEncoderKind.ResNet,
        ResNet = ResNetConfig.ResNet18ImageNet,
        GlobalImageFeatureNorm = true,
    };

    /// <summary>The preset names <see cref="FromPreset"/> knows.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = ["tiny", "mama-base", "resnet18-imagenet"];

    /// <summary>Looks a preset up by name: <c>tiny</c>, <c>mama-base</c> or <c>resnet18-imagenet</c> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">The name is not a preset.</exception>
    public static MaMAConfig FromPreset(string name) => (name ?? "").Trim().ToLowerInvariant() switch
    {
        "tiny" => Tiny,
        "mama-base" or "mama_base" => MaMABase,
        "resnet18-imagenet" or "resnet18_imagenet" => ResNet18ImageNet,
        _ => throw new ArgumentException($"Unknown MaMA preset '{name}': use {string.Join(", ", PresetNames)}.", nameof(name)),
    };

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        // Computed properties of the part configs (GridSize, HeadDim, MlpWidth, ...) are not settings.
        IgnoreReadOnlyProperties = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The config as indented JSON (camelCase names, enums as strings).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads a config written by <see cref="ToJson"/> and validates it.</summary>
    /// <exception cref="MaMAModelFormatException">The JSON is malformed, has unknown or missing fields, or fails validation.</exception>
    public static MaMAConfig FromJson(string json, string sourceName = "config.json")
    {
        MaMAConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<MaMAConfig>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new MaMAModelFormatException(sourceName, $"not a valid MaMA config: {e.Message}", e);
        }
        if (config is null) throw new MaMAModelFormatException(sourceName, "the config is JSON null.");
        try { config.Validate(); }
        catch (ArgumentException e) { throw new MaMAModelFormatException(sourceName, e.Message, e); }
        return config;
    }
}
