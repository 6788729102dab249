using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Text;
using MaMA.MLNet.Modeling.Vision;
using MaMA.MLNet.Onnx.Text;
using MaMA.MLNet.Onnx.Vision;
using MaMA.MLNet.Onnx.Weights;
using Onnx;
using static TorchSharp.torch;
using OnnxTextPooling = MaMA.MLNet.Onnx.Text.TextPooling;

namespace MaMA.MLNet.Onnx;

/// <summary>
/// Exports the parts of a <see cref="MaMAModel"/> as ONNX: it maps the model's configuration onto the
/// exporter's and its state-dict names (<see cref="MaMAParameterNames"/>) onto the exporter's naming contract,
/// then calls <see cref="MamaOnnxExporter"/>. The model is only read.
/// </summary>
public static class MaMAModelOnnxExporter
{
    /// <summary>The image encoder at <paramref name="imageSize"/> x <paramref name="imageSize"/> pixels: <c>pixels</c> -> <c>embedding</c>.</summary>
    /// <remarks>A ResNet image encoder is written by <see cref="ResNetGraphWriter"/> (sizes multiples of 32).</remarks>
    /// <exception cref="OnnxExportException">The image size is not a whole number of patches, or the model has a part the exporter does not support (SwiGLU, no qkv bias, offset interpolation).</exception>
    public static ModelProto ExportImageEncoder(MaMAModel model, int imageSize, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewDisposeScope();
        if (model.Config.ImageEncoder == ImageEncoderKind.ResNet)
            return MamaOnnxExporter.ExportResNetImageEncoder(ImageWeights(model), model.Config.ResNet!, imageSize, options);
        return MamaOnnxExporter.ExportImageEncoder(ImageWeights(model), VisionConfig(model.Config, imageSize), includePatchTokens: false, options);
    }

    /// <summary>The text encoder with LoRA merged: <c>input_ids</c>, <c>attention_mask</c> -> <c>embedding</c>.</summary>
    /// <exception cref="OnnxExportException">The adapters are already merged into the model (they would count twice), or the activation is not tanh GELU.</exception>
    public static ModelProto ExportTextEncoder(MaMAModel model, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.HasMergedAdapters)
            throw new OnnxExportException("The model's LoRA adapters are merged into its weights; unmerge them before export (the exporter merges them itself).");
        var c = model.Config;
        if (c.Text.Activation != Gpt2Activation.GeluTanh)
            throw new OnnxExportException($"Text activation {c.Text.Activation} is not exported; only tanh GELU (GPT-2's gelu_new) is.");
        var config = new Gpt2ExportConfig
        {
            EmbedDim = c.Text.Width,
            Depth = c.Text.Layers,
            NumHeads = c.Text.Heads,
            VocabSize = c.TextVocabSize,
            MaxPositions = c.Text.ContextLength,
            MlpHiddenDim = c.Text.MlpWidth,
            LayerNormEps = c.Text.LayerNormEps,
            LoraAlpha = c.Lora?.Alpha,
            Pooling = c.TextPooling == Modeling.Text.TextPooling.PaddedMean ? OnnxTextPooling.Mean : OnnxTextPooling.MaskedMean,
        };
        using var scope = NewDisposeScope();
        return MamaOnnxExporter.ExportTextEncoder(Rename(model, MaMAParameterNames.TextBackbone, MaMAParameterNames.TextGlobalProjection, "text_global_proj"), config, options);
    }

    /// <summary>
    /// The zero-shot classifier of <paramref name="classifier"/> (its class embeddings and scale folded in as
    /// constants) on the image encoder at <paramref name="imageSize"/>: <c>pixels</c> -> <c>logits</c>, <c>probabilities</c>.
    /// </summary>
    public static ModelProto ExportZeroShotClassifier(MaMAModel model, ZeroShotClassifier classifier, IReadOnlyList<string> classNames, int imageSize,
        OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(classifier);
        using var scope = NewDisposeScope();
        if (model.Config.ImageEncoder == ImageEncoderKind.ResNet)
            return MamaOnnxExporter.ExportResNetZeroShotClassifier(ImageWeights(model), model.Config.ResNet!, imageSize, classifier.ClassEmbeddings,
                Math.Log(classifier.Scale), classNames, options);
        return MamaOnnxExporter.ExportZeroShotClassifier(ImageWeights(model), VisionConfig(model.Config, imageSize), classifier.ClassEmbeddings,
            Math.Log(classifier.Scale), classNames, options);
    }

    /// <summary>
    /// A linear classifier on the pooled image feature: <paramref name="headWeight"/> [C, D], <paramref name="headBias"/> [C]
    /// (a linear probe or fine-tuned head): <c>pixels</c> -> <c>logits</c>, <c>probabilities</c>. ViT and ResNet image encoders.
    /// </summary>
    public static ModelProto ExportClassifier(MaMAModel model, Tensor headWeight, Tensor headBias, IReadOnlyList<string> classNames, int imageSize,
        OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(headWeight);
        ArgumentNullException.ThrowIfNull(headBias);
        using var scope = NewDisposeScope();
        var weights = BackboneWeights(model, MaMAParameterNames.ImageBackbone);
        weights["head.weight"] = headWeight;
        weights["head.bias"] = headBias;
        if (model.Config.ImageEncoder == ImageEncoderKind.ResNet)
            return MamaOnnxExporter.ExportResNetFineTunedClassifier(new WeightSet(weights), model.Config.ResNet!, imageSize, classNames, "head", options);
        return MamaOnnxExporter.ExportFineTunedClassifier(new WeightSet(weights), VisionConfig(model.Config, imageSize), classNames, "head", options);
    }

    /// <summary>Name of the sentence-position input of <see cref="ExportPatchSentenceSimilarity"/>.</summary>
    public const string SentencePositionsInput = "sentence_positions";
    /// <summary>Name of the sentence-mask input of <see cref="ExportPatchSentenceSimilarity"/>.</summary>
    public const string SentenceMaskInput = "sentence_mask";
    /// <summary>Name of the similarity output of <see cref="ExportPatchSentenceSimilarity"/>.</summary>
    public const string SimilarityOutput = "similarity";

    /// <summary>
    /// What <c>mama explain</c> draws, as <see cref="MaMAModel.ComputePatchSentenceSimilarity"/> computes it in eval mode:
    /// <c>pixels</c> [B, 3, S, S], <c>input_ids</c> and <c>attention_mask</c> [B, T], <c>sentence_positions</c> and
    /// <c>sentence_mask</c> [B, Smax] (int64; from <see cref="MaMABatch.FindSentences"/>: the sep-token positions) ->
    /// <c>similarity</c> [B, patches, Smax], the cosine similarity of every patch with every sentence in the local
    /// embedding space (0 for padded sentences). Both local heads are folded with their eval-mode batch norms; LoRA is merged.
    /// The patches are the ViT's patch tokens, or a ResNet's last feature map cells ((S / 32)^2, row-major).
    /// </summary>
    /// <exception cref="OnnxExportException">The adapters are merged in the model, or a part is not exportable (see <see cref="ExportImageEncoder"/>, <see cref="ExportTextEncoder"/>).</exception>
    public static ModelProto ExportPatchSentenceSimilarity(MaMAModel model, int imageSize, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.HasMergedAdapters)
            throw new OnnxExportException("The model's LoRA adapters are merged into its weights; unmerge them before export (the exporter merges them itself).");
        options ??= new OnnxExportOptions();
        var c = model.Config;
        if (c.Text.Activation != Gpt2Activation.GeluTanh)
            throw new OnnxExportException($"Text activation {c.Text.Activation} is not exported; only tanh GELU (GPT-2's gelu_new) is.");
        using var scope = NewDisposeScope();
        bool resNet = c.ImageEncoder == ImageEncoderKind.ResNet;
        if (resNet && (imageSize <= 0 || imageSize % ResNetConfig.Stride != 0))
            throw new OnnxExportException($"Image size {imageSize} is not a positive multiple of the ResNet's stride {ResNetConfig.Stride}.");
        VitExportConfig? vision = resNet ? null : VisionConfig(c, imageSize);
        long patchCount = resNet ? (long)(imageSize / ResNetConfig.Stride) * (imageSize / ResNetConfig.Stride) : vision!.PatchCount;
        var text = new Gpt2ExportConfig
        {
            EmbedDim = c.Text.Width, Depth = c.Text.Layers, NumHeads = c.Text.Heads, VocabSize = c.TextVocabSize,
            MaxPositions = c.Text.ContextLength, MlpHiddenDim = c.Text.MlpWidth, LayerNormEps = c.Text.LayerNormEps, LoraAlpha = c.Lora?.Alpha,
        };
        var g = new Graph.OnnxGraphBuilder("mama_patch_sentence_similarity");
        string batch = options.BatchAxisName;
        string pixels = g.AddInput(MamaOnnxExporter.PixelsInput, TensorProto.Types.DataType.Float, batch, 3, imageSize, imageSize);
        string ids = g.AddInput(MamaOnnxExporter.InputIdsInput, TensorProto.Types.DataType.Int64, batch, "sequence");
        string mask = g.AddInput(MamaOnnxExporter.AttentionMaskInput, TensorProto.Types.DataType.Int64, batch, "sequence");
        string positions = g.AddInput(SentencePositionsInput, TensorProto.Types.DataType.Int64, batch, "sentences");
        string sentenceMask = g.AddInput(SentenceMaskInput, TensorProto.Types.DataType.Int64, batch, "sentences");

        var imageWeights = new WeightSet(BackboneWeights(model, MaMAParameterNames.ImageBackbone));
        string localFeatures;
        if (resNet)
        {
            // As ResNet.forward: the last map [B, C, h, w] read row-major as h*w cells of C features.
            string map = ResNetGraphWriter.WriteFeatureMap(g, imageWeights, c.ResNet!, pixels);
            localFeatures = g.Transpose(g.Reshape(map, [0, c.ImageFeatureWidth, -1], "feature_map_cells"), [0, 2, 1], "local_features");
        }
        else
            localFeatures = VitGraphWriter.Write(g, imageWeights, vision!, pixels, patchTokens: true).PatchTokens!;
        string patches = LocalHeadGraph.Write(g, "img_local", model.ImageEncoder.LocalEmbed.state_dict(), c.ImageFeatureWidth, localFeatures);

        var (hidden, _) = Gpt2GraphWriter.WriteHidden(g, new WeightSet(BackboneWeights(model, MaMAParameterNames.TextBackbone)), text, ids, mask);
        // hidden[b, positions[b, s], :] by GatherElements on indices broadcast to [B, Smax, D].
        string indexShape = g.Concat(0, [g.Shape(positions, "sentence_positions_shape"), g.Int64s(c.Text.Width)], "sentence_index_shape");
        string indices = g.Expand(g.Unsqueeze(positions, [2], "sentence_positions_3d"), indexShape, "sentence_indices");
        string gathered = g.AddNode("GatherElements", "sentence_hidden", [hidden, indices], Graph.OnnxAttribute.Int("axis", 1));
        string sentences = LocalHeadGraph.Write(g, "text_local", model.TextEncoder.LocalEmbed.state_dict(), c.Text.Width, gathered);
        string realSentence = g.Unsqueeze(g.Cast(sentenceMask, TensorProto.Types.DataType.Float, "sentence_weight"), [2], "sentence_weight_3d");
        sentences = g.Mul(sentences, realSentence, "sentences_masked");
        string similarity = g.MatMul(patches, g.Transpose(sentences, [0, 2, 1], "sentences_t"), "patch_sentence_similarity");
        g.AddOutput(similarity, SimilarityOutput, TensorProto.Types.DataType.Float, batch, patchCount, "sentences");
        return g.Build([new(OnnxMetadataKeys.ModelKind, "patch_sentence_similarity"), new(OnnxMetadataKeys.LibraryVersion, MamaOnnxExporter.LibraryVersion)],
            MamaOnnxExporter.LibraryVersion, options.Description ?? "MaMA patch-sentence similarity (local heads): pixels + caption -> [B, patches, sentences].");
    }

    /// <summary>The exporter's ViT configuration for <paramref name="config"/>'s image encoder at a square input size.</summary>
    /// <exception cref="OnnxExportException">The size is not a positive whole number of patches, or the encoder uses a part the exporter lacks.</exception>
    public static VitExportConfig VisionConfig(MaMAConfig config, int imageSize)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.ImageEncoder == ImageEncoderKind.ResNet)
            throw new OnnxExportException("The image encoder is a ResNet, which has no ViT export configuration (its parts are exported by the ResNet writer).");
        VisionTransformerConfig v = config.Vision;
        if (v.FeedForward != FeedForwardKind.Mlp) throw new OnnxExportException($"Image encoder feed-forward {v.FeedForward} is not exported; only the GELU MLP is.");
        if (!v.QkvBias) throw new OnnxExportException("Image encoders without a qkv bias are not exported.");
        if (v.InterpolateOffset != 0 || !v.InterpolateAntialias)
            throw new OnnxExportException("The exporter resamples position embeddings as DINOv2 with registers does (antialiased, offset 0); this encoder is configured otherwise.");
        if (imageSize <= 0 || imageSize % v.PatchSize != 0)
            throw new OnnxExportException($"Image size {imageSize} is not a positive multiple of the patch size {v.PatchSize}.");
        var result = new VitExportConfig
        {
            EmbedDim = v.Width,
            Depth = v.Depth,
            NumHeads = v.Heads,
            PatchSize = v.PatchSize,
            RegisterCount = v.RegisterCount,
            MlpHiddenDim = checked((int)v.FeedForwardHidden),
            LayerScale = v.LayerScaleInit is not null,
            LayerNormEps = v.LayerNormEps,
            ImageHeight = imageSize,
            ImageWidth = imageSize,
        };
        result.Validate();
        return result;
    }

    // The global projection with an optional eval-mode feature norm folded in, so the graph stays one MatMul + Add.
    private static WeightSet ImageWeights(MaMAModel model)
    {
        var weights = BackboneWeights(model, MaMAParameterNames.ImageBackbone);
        var (weight, bias) = model.ImageEncoder.FoldedGlobalProjection();
        weights["global_proj.weight"] = weight;
        weights["global_proj.bias"] = bias;
        return new WeightSet(weights);
    }

    /// <summary>The backbone's tensors under their own names plus the global projection as <paramref name="projectionName"/>.</summary>
    private static WeightSet Rename(MaMAModel model, string backbonePrefix, string projection, string projectionName)
    {
        var weights = BackboneWeights(model, backbonePrefix);
        var state = model.state_dict();
        weights[projectionName + ".weight"] = state[projection + ".weight"];
        weights[projectionName + ".bias"] = state[projection + ".bias"];
        return new WeightSet(weights);
    }

    private static Dictionary<string, Tensor> BackboneWeights(MaMAModel model, string prefix) =>
        model.state_dict().Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value, StringComparer.Ordinal);
}
