using MaMA.MLNet.Modeling.Pretrained;
using MaMA.MLNet.Modeling.Text;
using MaMA.MLNet.Modeling.Text.Lora;
using MaMA.MLNet.Modeling.Tokenization;
using MaMA.MLNet.Modeling.Vision;
using MaMA.MLNet.Modeling.Weights;

namespace MaMA.MLNet.Modeling.MaMA;

/// <summary>The steps behind <see cref="MaMAModel.FromPretrained(MaMAPretrainedOptions)"/>.</summary>
internal static class MaMAPretrainedLoader
{
    private const string ConfigFile = "config.json";
    private static readonly string[] WeightFiles = ["model.safetensors", "pytorch_model.bin"];

    public static MaMAPretrainedModel Load(MaMAPretrainedOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.TextModel);
        // Refused before any file is read: DINOv2 weights can be gigabytes, and they cannot go into a ResNet.
        if (options.Template.ImageEncoder == ImageEncoderKind.ResNet)
            throw new ArgumentException("FromPretrained loads a DINOv2 ViT image encoder, but the template's image encoder is a ResNet; "
                + "build that model with new MaMAModel(config) and ResNetOnnxWeights.LoadInto (mama model init --image-encoder resnet18-imagenet).", nameof(options));
        if (options.MaMACheckpoint is null && string.IsNullOrWhiteSpace(options.ImageWeights))
            throw new ArgumentException("Give the image weights (a DINOv2 file or folder) or a MaMA reference checkpoint.", nameof(options));
        if (!Directory.Exists(options.TextModel))
            throw new WeightLoadException($"Text model folder '{options.TextModel}' does not exist (a Hugging Face GPT-2/BioMedLM folder: config.json, weights, tokenizer files).");

        var textConfig = Gpt2HuggingFaceConfig.Read(Path.Combine(options.TextModel, ConfigFile));
        var tokenizer = MaMATokenizer.FromDirectory(options.TextModel);
        if (tokenizer.BaseVocabularySize != textConfig.VocabSize)
            throw new TokenizerFileException(options.TextModel,
                $"the tokenizer has {tokenizer.BaseVocabularySize:N0} tokens but config.json's vocab_size is {textConfig.VocabSize:N0}; MaMA's special tokens would not get the ids the resized embedding gives them.");
        int added = tokenizer.VocabularySize - textConfig.VocabSize;

        return options.MaMACheckpoint is { } checkpoint
            ? LoadReference(options, checkpoint, textConfig, tokenizer, added)
            : LoadPublic(options, textConfig, tokenizer, added);
    }

    private static MaMAPretrainedModel LoadPublic(MaMAPretrainedOptions options, Gpt2Config textConfig, MaMATokenizer tokenizer, int added)
    {
        var reports = new List<WeightLoadReport>();
        VisionTransformer? vit = null;
        Gpt2TextEncoder? gpt = null;
        try
        {
            string imageWeights = options.ImageWeights!;
            VisionTransformerConfig? vision = null;
            string imageFile = imageWeights;
            if (Directory.Exists(imageWeights))
            {
                vision = Dinov2HuggingFaceConfig.Read(Path.Combine(imageWeights, ConfigFile));
                imageFile = FindWeights(imageWeights);
            }
            using (var source = NamedTensorSource.Open(imageFile))
            {
                vision ??= Dinov2ConfigFromWeights.Infer(source);
                if (options.ImageSize is { } size) vision = vision with { ImageSize = size };
                vit = new VisionTransformer(vision);
                reports.Add(Dinov2WeightLoader.Load(vit, source));
            }

            gpt = new Gpt2TextEncoder(textConfig);
            using (var source = NamedTensorSource.Open(FindWeights(options.TextModel)))
                reports.Add(Gpt2WeightImporter.Load(gpt, source));

            var config = BuildConfig(options.Template with { Vision = vision, Text = textConfig }, added, tokenizer, options.TextModel);
            TorchRuntime.Seed(options.Seed);
            var model = new MaMAModel(config, vit, gpt);
            (vit, gpt) = (null, null); // the model owns them now
            reports[1].Adaptations.Add(
                $"wte resized from {textConfig.VocabSize:N0} to {config.TextVocabSize:N0} rows for MaMA's special tokens; new rows drawn from N(0, 0.02^2) as transformers 4.35.2's resize_token_embeddings does");
            if (config.Lora is { } lora)
                reports[1].Adaptations.Add($"LoRA r {lora.Rank}, alpha {lora.Alpha} on [{string.Join(", ", lora.TargetModules)}]; base frozen in {config.FrozenTextBaseDType}");
            model.eval();
            return new MaMAPretrainedModel(model, tokenizer, Path.GetFullPath(options.TextModel), reports);
        }
        finally
        {
            vit?.Dispose();
            gpt?.Dispose();
        }
    }

    private static MaMAPretrainedModel LoadReference(MaMAPretrainedOptions options, string checkpoint, Gpt2Config textConfig, MaMATokenizer tokenizer, int added)
    {
        using var source = NamedTensorSource.Open(checkpoint);
        string prefix = source.Names.Any(n => n.StartsWith("state_dict.", StringComparison.Ordinal)) ? "state_dict." : "";
        var vision = Dinov2ConfigFromWeights.Infer(source, prefix + "img_encoder_q.model.");
        if (options.ImageSize is { } size) vision = vision with { ImageSize = size };
        long[] Need(string name, int rank)
        {
            if (!source.Contains(prefix + name)) throw new WeightLoadException($"'{checkpoint}' has no '{prefix + name}': not a MaMA reference checkpoint.");
            long[] shape = source.Shape(prefix + name);
            if (shape.Length != rank) throw new WeightLoadException($"'{checkpoint}': '{prefix + name}' has shape [{string.Join(", ", shape)}], expected {rank} dimensions.");
            return shape;
        }
        int embedding = checked((int)Need("img_encoder_q.global_embed.weight", 2)[0]);
        int localHidden = checked((int)Need("img_encoder_q.local_embed.head.0.weight", 3)[0]);
        var loraNames = source.Names.Where(n => n.Contains(".lora_A.", StringComparison.Ordinal) && n.StartsWith(prefix + "text_encoder_q.", StringComparison.Ordinal)).ToList();
        LoraConfig? lora = null;
        if (loraNames.Count > 0)
        {
            var targets = loraNames.Select(n => n[..n.IndexOf(".lora_A.", StringComparison.Ordinal)].Split('.')[^1]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            lora = (options.Template.Lora ?? new LoraConfig()) with { Rank = checked((int)source.Shape(loraNames[0])[0]), TargetModules = targets };
        }
        var template = options.Template with
        {
            Vision = vision,
            Text = textConfig,
            EmbeddingSize = embedding,
            LocalProjectionHidden = localHidden,
            Lora = lora,
            TextPooling = TextPooling.PaddedMean,
            SimClrOutputBatchNorm = true,
            GlobalImageFeatureNorm = false,
        };
        var config = BuildConfig(template, added, tokenizer, options.TextModel);
        TorchRuntime.Seed(options.Seed);
        var model = new MaMAModel(config);
        try
        {
            var report = MaMAReferenceCheckpoint.Load(model, source);
            report.Adaptations.Add("text pooling set to the reference's padded mean; SimCLR head with the reference's output batch norm");
            model.eval();
            return new MaMAPretrainedModel(model, tokenizer, Path.GetFullPath(options.TextModel), [report]);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static MaMAConfig BuildConfig(MaMAConfig template, int added, MaMATokenizer tokenizer, string textModel)
    {
        var config = template with
        {
            AddedSpecialTokens = added,
            TextMaxLength = Math.Min(template.TextMaxLength, template.Text.ContextLength),
        };
        try { config.Validate(); }
        catch (ArgumentException e) { throw new WeightLoadException($"The MaMA configuration built from '{textModel}' and the image weights is invalid: {e.Message}", e); }
        if (config.SeparatorTokenId != tokenizer.SepId)
            throw new TokenizerFileException(textModel,
                $"the tokenizer gives the separator id {tokenizer.SepId} but the resized vocabulary puts it at {config.SeparatorTokenId} (some of MaMA's special tokens are already in the vocabulary).");
        return config;
    }

    /// <summary>The weight file of a Hugging Face folder: model.safetensors, else pytorch_model.bin.</summary>
    private static string FindWeights(string folder)
    {
        foreach (string name in WeightFiles)
        {
            string path = Path.Combine(folder, name);
            if (File.Exists(path)) return path;
        }
        if (Directory.EnumerateFiles(folder, "*.index.json").Any())
            throw new WeightLoadException($"'{folder}' holds a sharded checkpoint (*.index.json); merge the shards into one model.safetensors first (not supported here).");
        throw new WeightLoadException($"'{folder}' has no weight file ({string.Join(" or ", WeightFiles)}).");
    }
}
