using System.Reflection;
using System.Text.Json;
using MaMA.MLNet.Modeling.Vision;
using MaMA.MLNet.Onnx.Graph;
using MaMA.MLNet.Onnx.Text;
using MaMA.MLNet.Onnx.Vision;
using MaMA.MLNet.Onnx.Weights;
using Onnx;
using static TorchSharp.torch;
using DataType = Onnx.TensorProto.Types.DataType;

namespace MaMA.MLNet.Onnx;

/// <summary>
/// Writes MaMA's models as ONNX graphs (opset 17) from their weights and configuration: the image encoder,
/// the text encoder, and zero-shot and fine-tuned classifiers. Every graph has a dynamic batch axis; weights
/// become initializers. Save the result with <see cref="OnnxModelFile"/>.
/// </summary>
/// <remarks>
/// Interfaces: image graphs take <c>pixels</c> float [B, 3, H, W] (already normalised); the text graph takes
/// <c>input_ids</c> and <c>attention_mask</c> int64 [B, T]. Encoders output <c>embedding</c> [B, E]
/// (L2-normalised); the image encoder optionally <c>patch_tokens</c> [B, N, D]; classifiers output
/// <c>logits</c> and <c>probabilities</c> [B, C].
/// </remarks>
public static class MamaOnnxExporter
{
    /// <summary>Name of the image input.</summary>
    public const string PixelsInput = "pixels";
    /// <summary>Name of the token-id input.</summary>
    public const string InputIdsInput = "input_ids";
    /// <summary>Name of the attention-mask input.</summary>
    public const string AttentionMaskInput = "attention_mask";
    /// <summary>Name of the embedding output.</summary>
    public const string EmbeddingOutput = "embedding";
    /// <summary>Name of the patch-token output.</summary>
    public const string PatchTokensOutput = "patch_tokens";
    /// <summary>Name of the classifier logits output.</summary>
    public const string LogitsOutput = "logits";
    /// <summary>Name of the classifier probabilities output.</summary>
    public const string ProbabilitiesOutput = "probabilities";

    /// <summary>
    /// The image encoder: pixels -> L2-normalised <c>global_proj</c>(mean of all tokens before the final norm);
    /// with <paramref name="includePatchTokens"/> also the patch tokens after the final norm.
    /// </summary>
    /// <param name="weights">The ViT weights (torch-hub names after the set's prefix).</param>
    /// <param name="config">The ViT shape and export image size.</param>
    /// <param name="includePatchTokens">Also output the normed patch tokens.</param>
    /// <param name="options">Export settings.</param>
    /// <param name="projectionName">
    /// Full name of the global projection layer when it does not sit at <c>{prefix}global_proj</c>, e.g.
    /// <c>img_encoder_q.global_embed</c> for a MaMAModel state dict (whose ViT prefix is <c>img_encoder_q.model.</c>).
    /// </param>
    /// <exception cref="OnnxExportException">A weight is missing or mis-shaped, or the configuration is invalid.</exception>
    public static ModelProto ExportImageEncoder(WeightSet weights, VitExportConfig config, bool includePatchTokens = false, OnnxExportOptions? options = null,
        string? projectionName = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(config);
        options ??= new OnnxExportOptions();
        var g = new OnnxGraphBuilder("mama_image_encoder");
        string pixels = AddPixelsInput(g, config, options);
        var vit = VitGraphWriter.Write(g, weights, config, pixels, includePatchTokens);
        var (projection, name) = ProjectionWeights(weights, projectionName, "global_proj");
        long e = ProjectionWidth(projection, name, config.EmbedDim);
        string embedding = Projection(g, projection, name, config.EmbedDim, e, vit.Pooled);
        g.AddOutput(embedding, EmbeddingOutput, DataType.Float, options.BatchAxisName, e);
        if (vit.PatchTokens is { } patches)
            g.AddOutput(patches, PatchTokensOutput, DataType.Float, options.BatchAxisName, config.PatchCount, config.EmbedDim);
        return g.Build(Metadata(options, "image_encoder", ImagePreprocessing(config), e, classNames: null), LibraryVersion,
            options.Description ?? "MaMA image encoder (DINOv2 ViT): pixels -> L2-normalised embedding.");
    }

    /// <summary>
    /// A ResNet image encoder (<see cref="ResNetGraphWriter"/>): <c>pixels</c> [B, 3, S, S] (MaMA-normalised) ->
    /// L2-normalised <c>global_proj</c>(average-pooled last feature map).
    /// </summary>
    /// <exception cref="OnnxExportException">A weight is missing or mis-shaped, or the size is not a multiple of 32.</exception>
    public static ModelProto ExportResNetImageEncoder(WeightSet weights, ResNetConfig config, int imageSize, OnnxExportOptions? options = null,
        string? projectionName = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(config);
        if (imageSize <= 0 || imageSize % ResNetConfig.Stride != 0)
            throw new OnnxExportException($"Image size {imageSize} is not a positive multiple of the ResNet's stride {ResNetConfig.Stride}.");
        options ??= new OnnxExportOptions();
        var g = new OnnxGraphBuilder("mama_image_encoder");
        string pixels = g.AddInput(PixelsInput, DataType.Float, options.BatchAxisName, 3, imageSize, imageSize);
        string pooled = ResNetGraphWriter.Write(g, weights, config, pixels);
        var (projection, name) = ProjectionWeights(weights, projectionName, "global_proj");
        long e = ProjectionWidth(projection, name, config.Width);
        string embedding = Projection(g, projection, name, config.Width, e, pooled);
        g.AddOutput(embedding, EmbeddingOutput, DataType.Float, options.BatchAxisName, e);
        string preprocessing = ResNetPreprocessing(imageSize);
        return g.Build(Metadata(options, "image_encoder", preprocessing, e, classNames: null), LibraryVersion,
            options.Description ?? "MaMA image encoder (ResNet): pixels -> L2-normalised embedding.");
    }

    /// <summary>
    /// The text encoder: token ids and mask -> L2-normalised <c>text_global_proj</c>(pooled <c>ln_f</c> output),
    /// with any LoRA adapter on <c>c_attn</c> merged.
    /// </summary>
    /// <exception cref="OnnxExportException">A weight is missing or mis-shaped, or the configuration is invalid.</exception>
    /// <param name="weights">The GPT-2 weights (Hugging Face names without <c>transformer.</c>, after the set's prefix).</param>
    /// <param name="config">The GPT-2 shape, pooling and LoRA alpha.</param>
    /// <param name="options">Export settings.</param>
    /// <param name="projectionName">
    /// Full name of the text projection layer when it does not sit at <c>{prefix}text_global_proj</c>, e.g.
    /// <c>text_encoder_q.global_embed</c> for a MaMAModel state dict (text prefix <c>text_encoder_q.model.</c>).
    /// </param>
    public static ModelProto ExportTextEncoder(WeightSet weights, Gpt2ExportConfig config, OnnxExportOptions? options = null, string? projectionName = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(config);
        options ??= new OnnxExportOptions();
        var g = new OnnxGraphBuilder("mama_text_encoder");
        string ids = g.AddInput(InputIdsInput, DataType.Int64, options.BatchAxisName, "sequence");
        string mask = g.AddInput(AttentionMaskInput, DataType.Int64, options.BatchAxisName, "sequence");
        string feature = Gpt2GraphWriter.Write(g, weights, config, ids, mask);
        var (projection, name) = ProjectionWeights(weights, projectionName, "text_global_proj");
        long e = ProjectionWidth(projection, name, config.EmbedDim);
        string embedding = Projection(g, projection, name, config.EmbedDim, e, feature);
        g.AddOutput(embedding, EmbeddingOutput, DataType.Float, options.BatchAxisName, e);
        string preprocessing = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["max_length"] = config.MaxPositions,
            ["pooling"] = config.Pooling == TextPooling.Mean ? "mean" : "masked_mean",
            ["inputs"] = "input_ids and attention_mask, int64 [batch, sequence]; right padding",
        });
        return g.Build(Metadata(options, "text_encoder", preprocessing, e, classNames: null), LibraryVersion,
            options.Description ?? "MaMA text encoder (GPT-2 with merged LoRA): tokens -> L2-normalised embedding.");
    }

    /// <summary>
    /// A zero-shot classifier: logits = exp(<paramref name="logitScale"/>) * image embedding @ T^T, probabilities
    /// = softmax(logits), with T the L2-normalised class text embeddings [C, E] folded in as a constant.
    /// </summary>
    /// <param name="weights">The image encoder's weights (with <c>global_proj</c>).</param>
    /// <param name="config">The image encoder's configuration.</param>
    /// <param name="classTextEmbeddings">One text embedding per class, [C, E], in <paramref name="classNames"/> order.</param>
    /// <param name="logitScale">The learned log-scale (MaMA starts it at ln(1/0.07)); the graph multiplies by its exponential.</param>
    /// <param name="classNames">The class names, stored in the metadata.</param>
    /// <param name="options">Export settings.</param>
    /// <param name="projectionName">Full name of the image projection layer when it is not <c>{prefix}global_proj</c> (see <see cref="ExportImageEncoder"/>).</param>
    /// <exception cref="OnnxExportException">Shapes disagree, the names do not match the classes, or the scale is not finite.</exception>
    public static ModelProto ExportZeroShotClassifier(WeightSet weights, VitExportConfig config, Tensor classTextEmbeddings, double logitScale,
        IReadOnlyList<string> classNames, OnnxExportOptions? options = null, string? projectionName = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(config);
        return ZeroShotClassifier(VitBackbone(weights, config), weights, classTextEmbeddings, logitScale, classNames, options, projectionName);
    }

    /// <summary>
    /// <see cref="ExportZeroShotClassifier(WeightSet, VitExportConfig, Tensor, double, IReadOnlyList{string}, OnnxExportOptions?, string?)"/>
    /// on a ResNet image encoder (<see cref="ResNetGraphWriter"/>) at <paramref name="imageSize"/> x <paramref name="imageSize"/> pixels.
    /// </summary>
    /// <exception cref="OnnxExportException">Shapes disagree, the size is not a multiple of 32, the names do not match the classes, or the scale is not finite.</exception>
    public static ModelProto ExportResNetZeroShotClassifier(WeightSet weights, ResNetConfig config, int imageSize, Tensor classTextEmbeddings, double logitScale,
        IReadOnlyList<string> classNames, OnnxExportOptions? options = null, string? projectionName = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(config);
        return ZeroShotClassifier(ResNetBackbone(weights, config, imageSize), weights, classTextEmbeddings, logitScale, classNames, options, projectionName);
    }

    private static ModelProto ZeroShotClassifier(ImageBackboneGraph backbone, WeightSet weights, Tensor classTextEmbeddings, double logitScale,
        IReadOnlyList<string> classNames, OnnxExportOptions? options, string? projectionName)
    {
        ArgumentNullException.ThrowIfNull(classTextEmbeddings);
        ArgumentNullException.ThrowIfNull(classNames);
        options ??= new OnnxExportOptions();
        if (!double.IsFinite(logitScale) || Math.Exp(logitScale) > float.MaxValue)
            throw new OnnxExportException($"Zero-shot classifier: logit scale {logitScale} does not give a finite float scale.");
        var (projection, projectionLayer) = ProjectionWeights(weights, projectionName, "global_proj");
        long e = ProjectionWidth(projection, projectionLayer, backbone.Width);
        long classes = CheckClasses(classNames, "zero-shot classifier");
        if (classTextEmbeddings.shape is not [var rows, var cols] || rows != classes || cols != e)
            throw new OnnxExportException(
                $"Zero-shot classifier: class text embeddings have shape [{string.Join(",", classTextEmbeddings.shape)}]; [{classes}, {e}] is expected.");

        var g = new OnnxGraphBuilder("mama_zero_shot_classifier");
        string pooled = backbone.Write(g, options);
        string image = Projection(g, projection, projectionLayer, backbone.Width, e, pooled);
        float[] scaledClassMatrix;
        using (NewDisposeScope())
        {
            var text = nn.functional.normalize(classTextEmbeddings.detach().to(CPU).to_type(ScalarType.Float64), p: 2, dim: 1);
            scaledClassMatrix = WeightSet.ToFloats(text.t() * Math.Exp(logitScale));                   // [E,C]
        }
        string logits = g.MatMul(image, g.AddInitializer("class_text_embeddings_scaled_t", scaledClassMatrix, e, classes), "class_logits");
        AddClassifierOutputs(g, logits, classes, options);
        return g.Build(Metadata(options, "zero_shot_classifier", backbone.Preprocessing, e, classNames), LibraryVersion,
            options.Description ?? "MaMA zero-shot classifier: pixels -> class probabilities.");
    }

    /// <summary>
    /// A fine-tuned (or linear-probe) classifier: pixels -> pooled image feature -> linear head
    /// <c>{headPrefix}.weight</c> [C, D] / <c>.bias</c> [C] -> softmax.
    /// </summary>
    /// <exception cref="OnnxExportException">A weight is missing or mis-shaped, or the names do not match the head.</exception>
    public static ModelProto ExportFineTunedClassifier(WeightSet weights, VitExportConfig config, IReadOnlyList<string> classNames,
        string headPrefix = "head", OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(config);
        return FineTunedClassifier(VitBackbone(weights, config), weights, classNames, headPrefix, options);
    }

    /// <summary>
    /// <see cref="ExportFineTunedClassifier(WeightSet, VitExportConfig, IReadOnlyList{string}, string, OnnxExportOptions?)"/> on a
    /// ResNet image encoder (<see cref="ResNetGraphWriter"/>): pixels -> average-pooled last feature map -> linear head -> softmax.
    /// </summary>
    /// <exception cref="OnnxExportException">A weight is missing or mis-shaped, the size is not a multiple of 32, or the names do not match the head.</exception>
    public static ModelProto ExportResNetFineTunedClassifier(WeightSet weights, ResNetConfig config, int imageSize, IReadOnlyList<string> classNames,
        string headPrefix = "head", OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(config);
        return FineTunedClassifier(ResNetBackbone(weights, config, imageSize), weights, classNames, headPrefix, options);
    }

    private static ModelProto FineTunedClassifier(ImageBackboneGraph backbone, WeightSet weights, IReadOnlyList<string> classNames, string headPrefix,
        OnnxExportOptions? options)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        options ??= new OnnxExportOptions();
        long classes = CheckClasses(classNames, "fine-tuned classifier");
        var g = new OnnxGraphBuilder("mama_fine_tuned_classifier");
        string pooled = backbone.Write(g, options);
        long d = backbone.Width;
        string headW = g.AddInitializer(headPrefix + ".weight", weights.ReadFloats(headPrefix + ".weight", classes, d), classes, d);
        string headB = g.AddInitializer(headPrefix + ".bias", weights.ReadFloats(headPrefix + ".bias", classes), classes);
        string logits = g.Gemm(pooled, headW, headB, transB: true, "class_logits");
        AddClassifierOutputs(g, logits, classes, options);
        return g.Build(Metadata(options, "fine_tuned_classifier", backbone.Preprocessing, embeddingSize: null, classNames), LibraryVersion,
            options.Description ?? "MaMA fine-tuned classifier: pixels -> class probabilities.");
    }

    // An image encoder's backbone as the classifiers use it: the pooled feature's width, the preprocessing metadata, and
    // a writer that adds the pixels input and the backbone and returns the pooled feature's name.
    private sealed record ImageBackboneGraph(long Width, string Preprocessing, Func<OnnxGraphBuilder, OnnxExportOptions, string> Write);

    private static ImageBackboneGraph VitBackbone(WeightSet weights, VitExportConfig config)
    {
        config.Validate();
        return new(config.EmbedDim, ImagePreprocessing(config),
            (g, options) => VitGraphWriter.Write(g, weights, config, AddPixelsInput(g, config, options), patchTokens: false).Pooled);
    }

    private static ImageBackboneGraph ResNetBackbone(WeightSet weights, ResNetConfig config, int imageSize)
    {
        if (imageSize <= 0 || imageSize % ResNetConfig.Stride != 0)
            throw new OnnxExportException($"Image size {imageSize} is not a positive multiple of the ResNet's stride {ResNetConfig.Stride}.");
        return new(config.Width, ResNetPreprocessing(imageSize),
            (g, options) => ResNetGraphWriter.Write(g, weights, config, g.AddInput(PixelsInput, DataType.Float, options.BatchAxisName, 3, imageSize, imageSize)));
    }

    private static string ResNetPreprocessing(int imageSize) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["height"] = imageSize,
        ["width"] = imageSize,
        ["channels"] = "grayscale repeated to 3 channels",
        ["mean"] = new[] { 0.5, 0.5, 0.5 },
        ["std"] = new[] { 0.5, 0.5, 0.5 },
        ["layout"] = "NCHW float32, (x - mean) / std applied before the graph (the ResNet's own input convention is inside it)",
    });

    /// <summary>This library's version, as recorded in every exported model.</summary>
    public static string LibraryVersion { get; } =
        typeof(MamaOnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(MamaOnnxExporter).Assembly.GetName().Version?.ToString() ?? "unknown";

    private static string AddPixelsInput(OnnxGraphBuilder g, VitExportConfig config, OnnxExportOptions options)
    {
        config.Validate();
        return g.AddInput(PixelsInput, DataType.Float, options.BatchAxisName, 3, config.ImageHeight, config.ImageWidth);
    }

    // The projection is read under the encoder's prefix by default, or by its full name when one is given.
    private static (WeightSet Weights, string Name) ProjectionWeights(WeightSet weights, string? fullName, string defaultName)
    {
        var (set, name) = fullName is null ? (weights, defaultName) : (weights.WithPrefix(""), fullName);
        // A MaMAModel with GlobalImageFeatureNorm has a batch norm before this layer; exporting the layer alone would
        // silently drop it. MaMAModelOnnxExporter folds the norm into the projection first.
        int dot = name.LastIndexOf('.');
        string norm = (dot < 0 ? "" : name[..(dot + 1)]) + "global_norm.running_mean";
        if (name.EndsWith("global_embed", StringComparison.Ordinal) && set.Contains(norm))
            throw new OnnxExportException(
                $"'{set.Prefix}{norm}' shows a feature norm before '{name}'; export the model with MaMAModelOnnxExporter, which folds the norm into the projection.");
        return (set, name);
    }

    private static long ProjectionWidth(WeightSet weights, string name, long inDim) =>
        weights.ShapeOf(name + ".weight") is [var e, var d] && d == inDim && e > 0 ? e
            : throw new OnnxExportException(
                $"Weight '{weights.Prefix}{name}.weight' has shape [{string.Join(",", weights.ShapeOf(name + ".weight"))}]; [E, {inDim}] is expected.");

    private static string Projection(OnnxGraphBuilder g, WeightSet weights, string name, long inDim, long outDim, string feature)
    {
        string w = g.AddInitializer(name + ".weight", weights.ReadFloats(name + ".weight", outDim, inDim), outDim, inDim);
        string b = g.AddInitializer(name + ".bias", weights.ReadFloats(name + ".bias", outDim), outDim);
        return g.L2Normalize(g.Gemm(feature, w, b, transB: true, name), "embedding_normalised");
    }

    private static void AddClassifierOutputs(OnnxGraphBuilder g, string logits, long classes, OnnxExportOptions options)
    {
        g.AddOutput(logits, LogitsOutput, DataType.Float, options.BatchAxisName, classes);
        g.AddOutput(g.Softmax(logits, 1, "class_probabilities"), ProbabilitiesOutput, DataType.Float, options.BatchAxisName, classes);
    }

    private static long CheckClasses(IReadOnlyList<string> classNames, string what)
    {
        if (classNames.Count == 0) throw new OnnxExportException($"The {what} needs at least one class name.");
        if (classNames.Any(string.IsNullOrWhiteSpace)) throw new OnnxExportException($"The {what} has an empty class name.");
        if (classNames.Distinct(StringComparer.Ordinal).Count() != classNames.Count)
            throw new OnnxExportException($"The {what} has repeated class names.");
        return classNames.Count;
    }

    private static string ImagePreprocessing(VitExportConfig c) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["height"] = c.ImageHeight,
        ["width"] = c.ImageWidth,
        ["channels"] = "grayscale repeated to 3 channels",
        ["mean"] = new[] { c.PixelMean, c.PixelMean, c.PixelMean },
        ["std"] = new[] { c.PixelStd, c.PixelStd, c.PixelStd },
        ["layout"] = "NCHW float32, (x - mean) / std applied before the graph",
    });

    private static List<KeyValuePair<string, string>> Metadata(OnnxExportOptions options, string kind, string preprocessing, long? embeddingSize,
        IReadOnlyList<string>? classNames)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [OnnxMetadataKeys.ModelKind] = kind,
            [OnnxMetadataKeys.Preprocessing] = preprocessing,
            [OnnxMetadataKeys.LibraryVersion] = LibraryVersion,
        };
        if (embeddingSize is { } size) entries[OnnxMetadataKeys.EmbeddingSize] = size.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (classNames is not null) entries[OnnxMetadataKeys.ClassNames] = JsonSerializer.Serialize(classNames);
        foreach (var (key, value) in options.Metadata ?? new Dictionary<string, string>())
            if (!entries.TryAdd(key, value))
                throw new OnnxExportException($"Metadata key '{key}' is set by the exporter and cannot be overridden.");
        return [.. entries];
    }
}
