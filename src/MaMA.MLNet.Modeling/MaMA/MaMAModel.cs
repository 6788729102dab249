using MaMA.MLNet.Modeling.Heads;
using MaMA.MLNet.Modeling.Losses;
using MaMA.MLNet.Modeling.Text;
using MaMA.MLNet.Modeling.Text.Lora;
using MaMA.MLNet.Modeling.Tokenization;
using MaMA.MLNet.Modeling.Weights;
using MaMA.MLNet.Modeling.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MaMA.MLNet.Modeling.MaMA;

/// <summary>
/// The MaMA vision-language model: the DINOv2 image encoder with its global and local projections, the GPT-2
/// text encoder with LoRA and its projections, the SimCLR head of the multi-view loss, and the two learnable
/// log scales. Submodules are named as in the reference (<see cref="MaMAParameterNames"/>).
/// <para>
/// Inference: call <c>eval()</c>, then <see cref="EncodeImages"/>, <see cref="EncodeTexts"/> and
/// <see cref="ComputePatchSentenceSimilarity"/> (these run without gradients). Training:
/// <see cref="ComputeLosses"/> returns the loss terms with their graph.
/// </para>
/// </summary>
public sealed class MaMAModel : nn.Module
{
#pragma warning disable IDE1006 // field names are the state-dict names
    private readonly MaMAImageEncoder img_encoder_q;
    private readonly MaMATextEncoder text_encoder_q;
    private readonly SimClrProjectionHead simclr_proj;
    private readonly ContrastiveScales scales;
#pragma warning restore IDE1006
    private readonly NtXentLoss ntXent = new(temperature: 0.5);
    private readonly SymmetricLocalAlignmentLoss localAlignment = new();

    /// <summary>
    /// Builds the model with fresh weights (seed first with <see cref="TorchRuntime.Seed"/> for repeatable ones),
    /// in <paramref name="dtype"/> (float32 default; float64 for reference checks) on <paramref name="device"/>.
    /// The frozen text base is then held in <see cref="MaMAConfig.FrozenTextBaseDType"/> when LoRA is on.
    /// </summary>
    /// <exception cref="ArgumentException">The configuration is invalid.</exception>
    public MaMAModel(MaMAConfig config, Device? device = null, ScalarType dtype = ScalarType.Float32) : this(config, null, null, device, dtype) { }

    /// <summary>
    /// Builds the model around encoders that already hold weights (null: fresh ones); the text base has the base
    /// vocabulary and is resized here. Used by <see cref="FromPretrained(MaMAPretrainedOptions)"/>.
    /// </summary>
    internal MaMAModel(MaMAConfig config, VisionTransformer? vision, Gpt2TextEncoder? textBase, Device? device = null, ScalarType dtype = ScalarType.Float32)
        : base(nameof(MaMAModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        img_encoder_q = new MaMAImageEncoder(config, vision);
        text_encoder_q = new MaMATextEncoder(config, textBase);
        simclr_proj = new SimClrProjectionHead(config.ImageFeatureWidth, config.ImageFeatureWidth, config.EmbeddingSize, config.SimClrOutputBatchNorm);
        scales = new ContrastiveScales();
        register_module("img_encoder_q", img_encoder_q);
        register_module("text_encoder_q", text_encoder_q);
        register_module("simclr_proj", simclr_proj);
        register_module("scales", scales);

        // As the reference: the mask token is never trained, and with the pooled (pre-norm) global feature
        // the ViT's final norm is frozen too.
        if (img_encoder_q.BackboneModule is VisionTransformer vit)
            foreach (var (name, parameter) in vit.named_parameters())
                if (name is "mask_token" or "norm.weight" or "norm.bias") parameter.requires_grad = false;

        if (dtype != ScalarType.Float32) this.to(dtype);
        var frozen = TorchRuntime.ParseDType(config.FrozenTextBaseDType);
        // A narrower frozen base applies to float32 models only (a float64 model is for reference checks).
        if (config.Lora is not null && frozen != ScalarType.Float32 && dtype == ScalarType.Float32) text_encoder_q.Backbone.HoldFrozenBaseIn(frozen);
        if (device is not null && device.type != DeviceType.CPU) this.to(device);
    }

    /// <summary>
    /// Builds a MaMA model from the public weights the paper starts from, as the reference does: the DINOv2 image
    /// encoder and the GPT-2/BioMedLM text encoder are sized from their files (Hugging Face <c>config.json</c>, or a
    /// torch-hub file's tensor shapes) and loaded strictly; then MaMA's special tokens are added to the tokenizer and
    /// the token embedding grows by as many rows; then LoRA is attached (base frozen); then the heads, the SimCLR head
    /// and the scales are created fresh (seeded by <see cref="MaMAPretrainedOptions.Seed"/>).
    /// <para>
    /// The new embedding rows are drawn from N(0, 0.02^2). The reference pins transformers 4.35.2, whose
    /// <c>resize_token_embeddings</c> builds a new <c>nn.Embedding</c>, initialises all of it with the model's
    /// <c>_init_weights</c> (GPT-2: normal with <c>initializer_range</c> 0.02, which GPT-2 and BioMedLM both use) and
    /// copies the old rows back. (The mean of the old rows, <see cref="EmbeddingResizeInit.Mean"/>, is what
    /// transformers 4.46 and later do; the reference predates it.)
    /// </para>
    /// <para>
    /// With <see cref="MaMAPretrainedOptions.MaMACheckpoint"/> the whole model comes from a reference checkpoint
    /// through the same configuration steps, with the reference's padded-mean text pooling and SimCLR head, so it
    /// embeds exactly as the reference does.
    /// </para>
    /// </summary>
    /// <exception cref="WeightLoadException">A file is missing, unreadable or does not fit (the message names the file and the tensors).</exception>
    /// <exception cref="TokenizerFileException">The tokenizer files are missing, malformed, or do not fit config.json.</exception>
    public static MaMAPretrainedModel FromPretrained(MaMAPretrainedOptions options) => MaMAPretrainedLoader.Load(options);

    /// <summary>
    /// <see cref="FromPretrained(MaMAPretrainedOptions)"/> with the MaMA-base settings: DINOv2 weights from
    /// <paramref name="imageWeights"/> (torch-hub <c>.pth</c>, safetensors or Hugging Face folder) and the Hugging Face
    /// GPT-2/BioMedLM folder <paramref name="textModel"/>.
    /// </summary>
    public static MaMAPretrainedModel FromPretrained(string imageWeights, string textModel) =>
        FromPretrained(new MaMAPretrainedOptions { ImageWeights = imageWeights, TextModel = textModel });

    /// <summary>The configuration the model was built from.</summary>
    public MaMAConfig Config { get; }

    /// <summary>
    /// Activation recomputation (gradient checkpointing) per block in both encoders (<see cref="ActivationRecomputation"/>):
    /// the same gradients with far less activation memory, for about one more forward pass per step. Off by default.
    /// A ResNet image encoder keeps its activations (it is small next to the text encoder); the text side recomputes.
    /// </summary>
    public bool RecomputeActivations
    {
        get => text_encoder_q.Backbone.RecomputeActivations;
        set
        {
            if (img_encoder_q.BackboneModule is VisionTransformer vit) vit.RecomputeActivations = value;
            text_encoder_q.Backbone.RecomputeActivations = value;
        }
    }

    /// <summary>The image side (<c>img_encoder_q</c>).</summary>
    public MaMAImageEncoder ImageEncoder => img_encoder_q;

    /// <summary>The text side (<c>text_encoder_q</c>).</summary>
    public MaMATextEncoder TextEncoder => text_encoder_q;

    /// <summary>The SimCLR head (<c>simclr_proj</c>).</summary>
    public SimClrProjectionHead SimClrHead => simclr_proj;

    /// <summary>The learnable log scales (<c>scales.logit_scale</c>, <c>scales.local_scale</c>).</summary>
    public ContrastiveScales Scales => scales;

    /// <summary>Counts the parameters of a model built from <paramref name="config"/> without building it.</summary>
    public static MaMAParameterCounts CountParameters(MaMAConfig config) => MaMAParameterCounts.FromConfig(config);

    /// <summary>
    /// Freezes or unfreezes the local projection heads and the local scale, as the reference does around its
    /// late start (frozen until the local loss switches on).
    /// </summary>
    public void SetLocalAlignmentTrainable(bool trainable)
    {
        foreach (var p in img_encoder_q.LocalEmbed.parameters()) p.requires_grad = trainable;
        foreach (var p in text_encoder_q.LocalEmbed.parameters()) p.requires_grad = trainable;
        scales.LocalScale.requires_grad = trainable;
    }

    /// <summary>
    /// Encodes normalised images [B, 3, H, W] (ViT: H, W whole patches, any size, position embeddings are
    /// interpolated; ResNet: multiples of 32) into L2-normalised embeddings [B, E] and the raw pooled feature [B, D]. Runs without
    /// gradients; call <c>eval()</c> first for inference.
    /// </summary>
    public ImageEncoding EncodeImages(Tensor pixels)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var output = img_encoder_q.Encode(pixels);
        var embedding = ImageEmbedding(output.PooledFeature);
        return new ImageEncoding(embedding.MoveToOuterDisposeScope(), output.PooledFeature.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// With <see cref="MaMAConfig.GlobalImageFeatureNorm"/>: sets the feature norm's running statistics to the exact
    /// ones of the pooled features of <paramref name="pixelBatches"/> (normalised images [B, 3, H, W], e.g. training
    /// images with the eval transform); does nothing without the norm. Runs in eval mode without gradients and leaves
    /// the train/eval mode as it was.
    /// </summary>
    public void RecalibrateImageFeatureNorm(IEnumerable<Tensor> pixelBatches)
    {
        ArgumentNullException.ThrowIfNull(pixelBatches);
        if (img_encoder_q.GlobalNorm is not { } norm) return;
        bool wasTraining = training;
        eval();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var pooled = pixelBatches.Select(b => img_encoder_q.Encode(b).PooledFeature).ToList();
            if (pooled.Count == 0) throw new ArgumentException("No images to recalibrate the image feature norm on.", nameof(pixelBatches));
            norm.SetStatistics(cat(pooled, 0));
        }
        finally
        {
            if (wasTraining) train();
        }
    }

    /// <summary>
    /// Encodes token ids [B, T] (int64) with the attention mask [B, T] (1 = real) into L2-normalised embeddings
    /// [B, E], pooled as <see cref="MaMAConfig.TextPooling"/> says. Runs without gradients.
    /// </summary>
    public Tensor EncodeTexts(Tensor inputIds, Tensor attentionMask)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var hidden = text_encoder_q.Backbone.forward(inputIds, attentionMask);
        return TextEmbedding(hidden, attentionMask).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Text-grounded localisation: for each image-caption pair b, the cosine similarity of every patch of image
    /// b with every sentence of caption b in the local embedding space ([B, gh*gw, Smax]). Sentences end at the
    /// sep tokens (<see cref="MaMAConfig.SeparatorTokenId"/>). Runs without gradients; call <c>eval()</c> first.
    /// </summary>
    public PatchSentenceSimilarity ComputePatchSentenceSimilarity(Tensor pixels, Tensor inputIds, Tensor attentionMask)
    {
        if (pixels.dim() != 4 || inputIds.dim() != 2 || pixels.shape[0] != inputIds.shape[0])
            throw new ArgumentException(
                $"Expected pixels [B, 3, H, W] and ids [B, T] with the same B, got [{string.Join(", ", pixels.shape)}] and [{string.Join(", ", inputIds.shape)}].");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var output = img_encoder_q.Encode(pixels);
        var patches = PatchEmbeddings(output.PatchTokens);
        var hidden = text_encoder_q.Backbone.forward(inputIds, attentionMask);
        var (positions, mask) = MaMABatch.FindSentences(inputIds, Config.SeparatorTokenId);
        var sentences = SentenceEmbeddings(hidden, positions, mask);
        var similarity = patches.matmul(sentences.transpose(1, 2));
        return new PatchSentenceSimilarity(similarity.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope(), output.GridHeight, output.GridWidth);
    }

    /// <summary>
    /// The loss terms of one batch, as the reference's training step computes them (all weights 1):
    /// image-text CLIP; with <see cref="MaMALossSwitches.MultiView"/> NT-Xent (temperature 0.5) between the SimCLR
    /// projections of both views' pooled features; with <see cref="MaMALossSwitches.SecondViewText"/> CLIP between
    /// the second view and the first view's caption; with <see cref="MaMALossSwitches.LocalAlignment"/> the
    /// symmetric local alignment of patches and sentences. Also the top-1/top-5 retrieval accuracy.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes disagree, or a switched-on term needs a second view the batch lacks.</exception>
    public MaMALosses ComputeLosses(MaMABatch batch, MaMALossSwitches? switches = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        switches ??= MaMALossSwitches.All;
        CheckBatch(batch, switches);
        using var scope = NewDisposeScope();
        var terms = new Dictionary<string, Tensor>(StringComparer.Ordinal);

        var first = img_encoder_q.Encode(batch.Pixels);
        var imageEmbedding = ImageEmbedding(first.PooledFeature);
        var hidden = text_encoder_q.Backbone.forward(batch.InputIds, batch.AttentionMask);
        var textEmbedding = TextEmbedding(hidden, batch.AttentionMask);
        var logits = ClipLoss.Logits(imageEmbedding, textEmbedding, scales.LogitScale);
        terms[MaMALosses.ImageText] = ClipLoss.SymmetricCrossEntropy(logits);

        if (switches.NeedsSecondView)
        {
            var second = img_encoder_q.Encode(batch.SecondViewPixels!);
            // Each view goes through the SimCLR head on its own, as in the reference (batch-norm statistics per view).
            if (switches.MultiView)
                terms[MaMALosses.MultiView] = ntXent.forward(simclr_proj.forward(second.PooledFeature), simclr_proj.forward(first.PooledFeature));
            if (switches.SecondViewText)
                terms[MaMALosses.SecondViewText] = ClipLoss.SymmetricCrossEntropy(
                    ClipLoss.Logits(ImageEmbedding(second.PooledFeature), textEmbedding, scales.LogitScale));
        }
        if (switches.LocalAlignment)
        {
            var patches = PatchEmbeddings(first.PatchTokens);
            var sentences = SentenceEmbeddings(hidden, batch.SentencePositions, batch.SentenceMask);
            terms[MaMALosses.LocalAlignment] = localAlignment.forward(patches, sentences, batch.SentenceMask, scales.LocalScale);
        }

        var total = terms.Values.Aggregate((a, b) => a.Plus(b));
        var (top1, top5) = RetrievalAccuracy.Compute(logits);
        foreach (var t in terms.Values) t.MoveToOuterDisposeScope();
        return new MaMALosses(terms, total.MoveToOuterDisposeScope(), top1, top5);
    }

    /// <summary>L2-normalised global image embedding [B, E] of pooled features [B, D] (with gradients).</summary>
    public Tensor ImageEmbedding(Tensor pooledFeature) => F.normalize(img_encoder_q.ProjectGlobal(pooledFeature), p: 2, dim: -1);

    /// <summary>L2-normalised global text embedding [B, E] of the encoder's hidden states [B, T, D] (with gradients).</summary>
    public Tensor TextEmbedding(Tensor hidden, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var feature = TextFeatures.Global(hidden, attentionMask, Config.TextPooling);
        return F.normalize(text_encoder_q.GlobalEmbed.forward(feature), p: 2, dim: -1).MoveToOuterDisposeScope();
    }

    /// <summary>L2-normalised local patch embeddings [B, P, E] of the normed patch tokens [B, P, D] (with gradients).</summary>
    public Tensor PatchEmbeddings(Tensor patchTokens) => F.normalize(img_encoder_q.LocalEmbed.forward(patchTokens), p: 2, dim: -1);

    /// <summary>
    /// L2-normalised local sentence embeddings [B, Smax, E] (zero rows for padded sentences) from the hidden
    /// states [B, T, D] at <paramref name="positions"/> [B, Smax]. Only real sentences go through the local head,
    /// all of the batch in one call, so padding never enters its batch-norm statistics. (The reference calls the
    /// head once per caption; in eval mode the two agree, in training the statistics pool over the batch.)
    /// </summary>
    public Tensor SentenceEmbeddings(Tensor hidden, Tensor positions, Tensor sentenceMask)
    {
        if (hidden.dim() != 3 || positions.dim() != 2 || positions.shape[0] != hidden.shape[0] || !positions.shape.SequenceEqual(sentenceMask.shape))
            throw new ArgumentException(
                $"Expected hidden [B, T, D], positions and mask [B, S]; got [{string.Join(", ", hidden.shape)}], [{string.Join(", ", positions.shape)}], [{string.Join(", ", sentenceMask.shape)}].");
        using var scope = NewDisposeScope();
        long b = hidden.shape[0], s = positions.shape[1], d = hidden.shape[2], e = Config.EmbeddingSize;
        var gathered = hidden.gather(1, positions.to(ScalarType.Int64).unsqueeze(-1).expand(b, s, d)).reshape(b * s, d);
        var real = sentenceMask.to(ScalarType.Bool).reshape(-1).nonzero().squeeze(1);
        var result = zeros(b * s, e, dtype: hidden.dtype, device: hidden.device);
        if (real.shape[0] > 0)
        {
            var projected = text_encoder_q.LocalEmbed.forward(gathered.index_select(0, real).unsqueeze(0)).squeeze(0);
            result = result.index_copy(0, real, F.normalize(projected, p: 2, dim: -1));
        }
        return result.reshape(b, s, e).MoveToOuterDisposeScope();
    }

    /// <summary>Parameters that currently require a gradient, by name (what an optimiser should get).</summary>
    public IEnumerable<(string Name, Parameter Parameter)> TrainableParameters() =>
        named_parameters().Where(p => p.parameter.requires_grad);

    /// <summary>Whether any LoRA adapter is currently merged into its base weight.</summary>
    public bool HasMergedAdapters => text_encoder_q.Backbone.LinearLayers().Any(l => l.Layer.IsMerged);

    private void CheckBatch(MaMABatch batch, MaMALossSwitches switches)
    {
        long b = batch.Pixels.dim() == 4 ? batch.Pixels.shape[0] : -1;
        if (b < 0) throw new ArgumentException($"Batch pixels must be [B, 3, H, W], got [{string.Join(", ", batch.Pixels.shape)}].", nameof(batch));
        if (batch.InputIds.dim() != 2 || batch.InputIds.shape[0] != b)
            throw new ArgumentException($"Batch token ids must be [{b}, T], got [{string.Join(", ", batch.InputIds.shape)}].", nameof(batch));
        if (switches.NeedsSecondView)
        {
            if (batch.SecondViewPixels is null)
                throw new ArgumentException("The multi-view and second-view losses are switched on but the batch has no second view.", nameof(batch));
            if (!batch.SecondViewPixels.shape.SequenceEqual(batch.Pixels.shape))
                throw new ArgumentException(
                    $"Second-view pixels [{string.Join(", ", batch.SecondViewPixels.shape)}] must have the shape of the first view [{string.Join(", ", batch.Pixels.shape)}].", nameof(batch));
        }
        if (batch.SentencePositions.dim() != 2 || batch.SentencePositions.shape[0] != b || !batch.SentenceMask.shape.SequenceEqual(batch.SentencePositions.shape))
            throw new ArgumentException(
                $"Sentence positions and mask must both be [{b}, S], got [{string.Join(", ", batch.SentencePositions.shape)}] and [{string.Join(", ", batch.SentenceMask.shape)}].", nameof(batch));
    }
}
