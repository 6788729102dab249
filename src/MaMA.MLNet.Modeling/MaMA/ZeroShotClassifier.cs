using MaMA.MLNet.Modeling.Tokenization;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MaMA.MLNet.Modeling.MaMA;

/// <summary>
/// Zero-shot classification as MaMA evaluates it (spec §7): each class is described by one or more prompts; a
/// class's text embedding is the L2-normalised mean of its prompts' normalised embeddings (CLIP's prompt
/// ensembling), and an image's logits are exp(logit_scale) times its cosine similarity with each class.
/// </summary>
public sealed class ZeroShotClassifier : IDisposable
{
    private readonly MaMAModel _model;

    /// <summary>Class text embeddings [K, E], L2-normalised, on the model's device.</summary>
    public Tensor ClassEmbeddings { get; }

    /// <summary>exp(logit_scale) at the time the classifier was built.</summary>
    public double Scale { get; }

    /// <summary>Number of classes.</summary>
    public int ClassCount => (int)ClassEmbeddings.shape[0];

    private ZeroShotClassifier(MaMAModel model, Tensor classEmbeddings, double scale)
    {
        _model = model;
        ClassEmbeddings = classEmbeddings;
        Scale = scale;
    }

    /// <summary>Encodes the prompts of every class (a batch of <paramref name="batchSize"/> prompts at a time).</summary>
    /// <param name="model">The model; put it in eval mode first.</param>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="promptsPerClass">For each class, at least one prompt.</param>
    /// <param name="batchSize">Prompts per text-encoder forward.</param>
    public static ZeroShotClassifier Create(MaMAModel model, MaMATokenizer tokenizer, IReadOnlyList<IReadOnlyList<string>> promptsPerClass, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (promptsPerClass.Count < 2) throw new ArgumentException("zero-shot classification needs at least two classes", nameof(promptsPerClass));
        for (int c = 0; c < promptsPerClass.Count; c++)
            if (promptsPerClass[c].Count == 0) throw new ArgumentException($"class {c} has no prompt", nameof(promptsPerClass));

        var flat = promptsPerClass.SelectMany(p => p).ToList();
        var device = model.parameters().First().device;
        using var scope = NewDisposeScope();
        var embeddings = new List<Tensor>();
        for (int start = 0; start < flat.Count; start += batchSize)
        {
            var chunk = flat.GetRange(start, Math.Min(batchSize, flat.Count - start));
            var tokens = tokenizer.EncodeCaptions(chunk, model.Config.TextMaxLength);
            var ids = tensor(tokens.InputIds, [tokens.Count, tokens.Length], device: device);
            var mask = tensor(tokens.AttentionMask, [tokens.Count, tokens.Length], device: device);
            embeddings.Add(model.EncodeTexts(ids, mask));
        }
        var all = cat(embeddings, 0);
        var classes = new List<Tensor>();
        int offset = 0;
        foreach (var prompts in promptsPerClass)
        {
            classes.Add(all.narrow(0, offset, prompts.Count).mean([0]));
            offset += prompts.Count;
        }
        var classEmbeddings = F.normalize(stack(classes), p: 2, dim: -1).detach().MoveToOuterDisposeScope();
        double scale = Math.Exp(model.Scales.LogitScale.item<float>());
        return new ZeroShotClassifier(model, classEmbeddings, scale);
    }

    /// <summary>Logits [B, K] for L2-normalised image embeddings [B, E].</summary>
    public Tensor Logits(Tensor imageEmbeddings) => imageEmbeddings.matmul(ClassEmbeddings.t()).Times(Scale);

    /// <summary>Class probabilities [B, K] for normalised model-ready pixels [B, 3, H, W].</summary>
    public Tensor PredictProbabilities(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        using var encoding = _model.EncodeImages(pixels);
        return F.softmax(Logits(encoding.Embedding), -1).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose() => ClassEmbeddings.Dispose();
}
