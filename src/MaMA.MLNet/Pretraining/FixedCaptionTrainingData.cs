using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Tokenization;
using MaMA.MLNet.Training;
using MaMA.MLNet.Training.MaMA;
using static TorchSharp.torch;

namespace MaMA.MLNet.Pretraining;

/// <summary>
/// MaMA training data whose captions are given free text (one per record) instead of the structured, masked
/// ones: the images, views and their random draws are <see cref="MaMATrainingData"/>'s, only the tokens are
/// replaced. The inner data still draws (and discards) its caption, so the random stream, and with it the
/// augmentations, is the same as with structured captions.
/// </summary>
internal sealed class FixedCaptionTrainingData : ITrainingData<MaMAPreparedBatch, MaMABatch>
{
    private readonly MaMATrainingData _inner;
    private readonly IReadOnlyList<string> _captions;
    private readonly MaMATokenizer _tokenizer;
    private readonly int _textLength;

    public FixedCaptionTrainingData(MaMATrainingData inner, IReadOnlyList<string> captions, MaMATokenizer tokenizer, int textLength)
    {
        if (captions.Count != inner.SampleCount)
            throw new ArgumentException($"{captions.Count} captions for {inner.SampleCount} images.", nameof(captions));
        (_inner, _captions, _tokenizer, _textLength) = (inner, captions, tokenizer, textLength);
    }

    public int SampleCount => _inner.SampleCount;

    public MaMAPreparedBatch Prepare(BatchKey key, Random random, CancellationToken cancellationToken)
    {
        var prepared = _inner.Prepare(key, random, cancellationToken);
        var captions = key.SampleIndices.Select(i => _captions[i]).ToArray();
        var tokens = _tokenizer.EncodeCaptions(captions, _textLength);
        return prepared with { TextLength = tokens.Length, InputIds = tokens.InputIds, AttentionMask = tokens.AttentionMask, Captions = captions };
    }

    public MaMABatch ToBatch(MaMAPreparedBatch prepared, Device device, ScalarType floatType) => _inner.ToBatch(prepared, device, floatType);
}
