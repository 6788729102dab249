using System.Collections.Concurrent;
using MaMA.MLNet.Data.Augmentation;
using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Data.Pairing;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Pixels;
using MaMA.MLNet.Imaging.Preprocessing;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Tokenization;
using static TorchSharp.torch;

namespace MaMA.MLNet.Training.MaMA;

/// <summary>
/// MaMA pretraining data for the engine (spec §5-6). One sample is one image of the manifest. Preparing a sample:
/// read the image (<see cref="MammogramReader"/>), Otsu-crop to the breast and resize to the model size
/// (<see cref="MammogramPreprocessor"/>; cached in memory when asked), apply the train augmentations, draw a
/// second view of the same study (<see cref="SecondViewSampler"/>) and augment it too, regenerate the structured
/// caption with metadata masking, and tokenise it (sep for "." and ";", bos/eos, padded). Every random choice
/// comes from the per-batch <see cref="Random"/> the engine derives from (seed, epoch, batch), in a fixed order,
/// so batches are identical whatever the worker count or cache state.
/// </summary>
public sealed class MaMATrainingData : ITrainingData<MaMAPreparedBatch, MaMABatch>
{
    private readonly IReadOnlyList<MammogramRecord> _records;
    private readonly MaMATokenizer _tokenizer;
    private readonly MammogramReader _reader;
    private readonly MammogramPreprocessor _preprocessor;
    private readonly MammogramAugmentation _augmentation;
    private readonly StructuredCaptionBuilder _captions;
    private readonly SecondViewSampler _pairs;
    private readonly ConcurrentDictionary<int, Lazy<FloatImage>>? _cache;

    /// <summary>Creates the data over <paramref name="records"/> (typically the train split of a manifest).</summary>
    /// <exception cref="ArgumentException">No records, or an option is out of range.</exception>
    public MaMATrainingData(IReadOnlyList<MammogramRecord> records, MaMATokenizer tokenizer, MaMATrainingDataOptions? options = null, MammogramReader? reader = null)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(tokenizer);
        Options = options ?? new MaMATrainingDataOptions();
        Options.Validate();
        if (records.Count == 0) throw new ArgumentException("MaMA training data needs at least one image record.", nameof(records));
        _records = records;
        _tokenizer = tokenizer;
        _reader = reader ?? MammogramReader.Default;
        _preprocessor = new MammogramPreprocessor(new PreprocessingOptions { ImageSize = Options.ImageSize });
        var augmentation = (Options.Augmentation ?? new AugmentationOptions()) with { ResizeTo = Options.ImageSize, CropSize = Options.ImageSize };
        _augmentation = new MammogramAugmentation(augmentation);
        _captions = new StructuredCaptionBuilder(Options.MaskProbability);
        _pairs = new SecondViewSampler(records, Options.SecondViewScope, Options.OtherImageProbability);
        _cache = Options.CacheImages ? new ConcurrentDictionary<int, Lazy<FloatImage>>() : null;
    }

    /// <summary>The settings.</summary>
    public MaMATrainingDataOptions Options { get; }

    /// <summary>The image records, in sample order.</summary>
    public IReadOnlyList<MammogramRecord> Records => _records;

    /// <inheritdoc />
    public int SampleCount => _records.Count;

    /// <inheritdoc />
    public MaMAPreparedBatch Prepare(BatchKey key, Random random, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(random);
        int b = key.SampleIndices.Count, s = Options.ImageSize, plane = 3 * s * s;
        var pixels = new float[b * plane];
        var second = Options.SecondView ? new float[b * plane] : null;
        var captions = new string[b];
        var pairs = new ViewPair[b];
        for (int i = 0; i < b; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int index = key.SampleIndices[i];
            if ((uint)index >= (uint)_records.Count)
                throw new ArgumentOutOfRangeException(nameof(key), $"Sample index {index} is outside the {_records.Count} records.");
            // Fixed draw order per sample: pair, first view, second view, caption.
            var pair = Options.SecondView ? _pairs.Draw(index, random) : new ViewPair(index, index, true);
            pairs[i] = pair;
            WriteNormalized(_augmentation.Train(Image(index), random), pixels.AsSpan(i * plane, plane));
            if (second is not null) WriteNormalized(_augmentation.Train(Image(pair.Second), random), second.AsSpan(i * plane, plane));
            captions[i] = _captions.Build(_records[index], random);
        }
        var tokens = _tokenizer.EncodeCaptions(captions, Options.TextLength);
        return new MaMAPreparedBatch(b, s, tokens.Length, pixels, second, tokens.InputIds, tokens.AttentionMask, captions, pairs);
    }

    /// <inheritdoc />
    public MaMABatch ToBatch(MaMAPreparedBatch prepared, Device device, ScalarType floatType)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        long b = prepared.Count, s = prepared.ImageSize;
        var pixels = tensor(prepared.Pixels, [b, 3, s, s], device: device).to(floatType);
        var second = prepared.SecondViewPixels is null ? null : tensor(prepared.SecondViewPixels, [b, 3, s, s], device: device).to(floatType);
        var ids = tensor(prepared.InputIds, [b, prepared.TextLength], device: device);
        var mask = tensor(prepared.AttentionMask, [b, prepared.TextLength], device: device);
        return MaMABatch.Create(pixels, second, ids, mask, _tokenizer.SepId);
    }

    /// <summary>
    /// The eval input of record <paramref name="index"/>: the cropped, resized image normalised to CHW with three
    /// channels, no augmentation (what zero-shot evaluation feeds the model).
    /// </summary>
    public float[] EvalPixels(int index)
    {
        int s = Options.ImageSize;
        var result = new float[3 * s * s];
        WriteNormalized(Image(index), result);
        return result;
    }

    /// <summary>The cropped, resized [0, 1] image of record <paramref name="index"/> (cached when enabled).</summary>
    /// <exception cref="MammogramReadException">The image file cannot be read; the message names it.</exception>
    public FloatImage Image(int index)
    {
        if (_cache is null) return Load(index);
        // Lazy makes two workers asking for the same image decode it once.
        return _cache.GetOrAdd(index, i => new Lazy<FloatImage>(() => Load(i))).Value;
    }

    private FloatImage Load(int index)
    {
        // The decoded frame's memory stays reserved on the shared gate until preprocessing is done with it.
        using var memory = DecodeMemoryGate.Shared.BeginScope();
        var mammogram = _reader.ReadFile(_records[index].ImagePath);
        return _preprocessor.PrepareImage(mammogram);
    }

    // Model input normalisation (mean 0.5, std 0.5), the gray plane repeated to three channels.
    private static void WriteNormalized(FloatImage image, Span<float> destination) => ImageOperations.ToNormalizedChw(image, 0.5f, 0.5f, destination);
}
