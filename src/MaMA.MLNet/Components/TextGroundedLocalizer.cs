using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.Tokenization;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MaMA.MLNet.Components;

/// <summary>
/// Text-grounded localisation: where in an image a sentence is. The model's local heads give the cosine similarity
/// of every patch with every sentence (<c>MaMAModel.ComputePatchSentenceSimilarity</c>); the patch grid is
/// averaged over the text's sentences and upsampled bilinearly (align_corners false) to the image size.
/// </summary>
public static class TextGroundedLocalizer
{
    /// <summary>
    /// Similarity maps [B, S, S] (row-major, one float[] of S*S per image) of images [B, 3, S, S] and one text each.
    /// A text that does not end with "." or ";" gets a "." so it is one sentence.
    /// </summary>
    /// <exception cref="ArgumentException">Counts or shapes disagree.</exception>
    public static float[][] ComputeMaps(MaMAModelHandle model, Tensor pixels, IReadOnlyList<string> texts) =>
        ComputeMaps(model, pixels, texts, (model ?? throw new ArgumentNullException(nameof(model))).RequireTokenizer("Text-grounded localisation"));

    /// <summary>As <see cref="ComputeMaps(MaMAModelHandle, Tensor, IReadOnlyList{string})"/> with a given tokenizer (for a model directory saved without one).</summary>
    /// <exception cref="ArgumentException">Counts or shapes disagree, or the tokenizer does not fit the model's vocabulary.</exception>
    public static float[][] ComputeMaps(MaMAModelHandle model, Tensor pixels, IReadOnlyList<string> texts, MaMATokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (tokenizer.VocabularySize != model.Config.TextVocabSize)
            throw new ArgumentException($"the tokenizer has {tokenizer.VocabularySize} tokens but the model expects {model.Config.TextVocabSize}", nameof(tokenizer));
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(texts);
        if (pixels.dim() != 4 || pixels.shape[0] != texts.Count)
            throw new ArgumentException($"Expected {texts.Count} images [B, 3, H, W], got [{string.Join(", ", pixels.shape)}].", nameof(pixels));
        var sentences = texts.Select(t => t.TrimEnd() is var s && (s.EndsWith('.') || s.EndsWith(';')) ? s : s + ".").ToList();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var tokens = tokenizer.EncodeCaptions(sentences, model.Config.TextMaxLength);
        var (ids, mask) = tokens.ToTensors(model.Device);
        using var similarity = model.Model.ComputePatchSentenceSimilarity(pixels, ids, mask);
        var real = similarity.SentenceMask.to(ScalarType.Float32).unsqueeze(1);                      // [B, 1, Smax]
        var mean = (similarity.Similarity * real).sum(-1) / real.sum(-1).AtLeast(1);                // [B, P]
        long b = pixels.shape[0], h = pixels.shape[2], w = pixels.shape[3];
        var grid = mean.reshape(b, 1, similarity.GridHeight, similarity.GridWidth);
        var upsampled = F.interpolate(grid, size: [h, w], mode: InterpolationMode.Bilinear, align_corners: false);
        var flat = upsampled.reshape(b, h * w).cpu().contiguous().data<float>().ToArray();
        return Enumerable.Range(0, (int)b).Select(i => flat.AsSpan((int)(i * h * w), (int)(h * w)).ToArray()).ToArray();
    }
}
