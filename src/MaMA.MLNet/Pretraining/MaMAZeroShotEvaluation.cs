using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Evaluation;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Preprocessing;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Tokenization;
using static TorchSharp.torch;

namespace MaMA.MLNet.Pretraining;

/// <summary>
/// Zero-shot evaluation of a MaMA model on labelled image records (spec §7): density A-D, BI-RADS 0-6 or cancer,
/// with the data layer's prompts and <see cref="ZeroShotClassifier"/>; plus image-to-text retrieval top-1 against
/// each image's own unmasked caption.
/// </summary>
public static class MaMAZeroShotEvaluation
{
    /// <summary>Class index of <paramref name="record"/> for <paramref name="task"/>, or null when unknown.</summary>
    public static int? Label(MammogramRecord record, ZeroShotTask task) => task switch
    {
        ZeroShotTask.Density => record.Density is { } d ? d - 1 : null,
        ZeroShotTask.BiRads => record.BiRads,
        _ => record.Cancer is { } c ? (c ? 1 : 0) : null,
    };

    /// <summary>Model-ready pixels [3, S, S] of one record with the eval transform (Otsu crop, resize, normalise).</summary>
    /// <exception cref="MammogramReadException">The image cannot be read.</exception>
    public static float[] EvalPixels(MammogramRecord record, MammogramPreprocessor preprocessor) =>
        preprocessor.Preprocess(MammogramReader.Read(record.ImagePath));

    /// <summary>
    /// Image embeddings [N, E] of <paramref name="records"/>, in batches, without gradients (the caller puts the model in
    /// eval mode); <paramref name="imagesDone"/> hears the number of images embedded after each batch.
    /// </summary>
    /// <exception cref="MammogramReadException">An image cannot be read (the first one, when several cannot).</exception>
    public static Tensor EmbedImages(MaMAModel model, IReadOnlyList<MammogramRecord> records, int batchSize = 32, IProgress<int>? imagesDone = null) =>
        EmbedImages(model, records, unreadable: null, batchSize, imagesDone);

    /// <summary>
    /// <see cref="EmbedImages(MaMAModel, IReadOnlyList{MammogramRecord}, int, IProgress{int}?)"/> that goes on past
    /// unreadable images: each is added to <paramref name="unreadable"/> (in record order) and gets no row, so row i is
    /// the i-th readable record. With <paramref name="unreadable"/> null the first unreadable image throws.
    /// </summary>
    public static Tensor EmbedImages(MaMAModel model, IReadOnlyList<MammogramRecord> records, List<UnreadableImage>? unreadable,
                                     int batchSize = 32, IProgress<int>? imagesDone = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(records);
        using var scope = NewDisposeScope();
        using var inference = no_grad();
        // Collections only between batches (TorchSharp's implicit Scalars; the decoding threads allocate).
        using var gcPacer = new GcSafePointPacer();
        var parts = new List<Tensor>();
        int done = 0;
        foreach (var (batch, attempted) in PixelBatches(records, model.Config.ImageSize, batchSize, unreadable, DeviceOf(model)))
        {
            gcPacer.SafePoint();
            done += attempted;
            if (batch is not null)
            {
                using (batch)
                using (var encoding = model.EncodeImages(batch))
                    parts.Add(encoding.Embedding.detach().clone());
            }
            imagesDone?.Report(done);
        }
        return (parts.Count > 0 ? cat(parts, 0) : zeros(0, model.Config.EmbeddingSize)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The encoder's pooled image features [N, D] of <paramref name="records"/> (before any projection: what a linear
    /// probe on frozen features reads), in batches, without gradients (the caller puts the model in eval mode).
    /// </summary>
    public static Tensor PooledFeatures(MaMAModel model, IReadOnlyList<MammogramRecord> records, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(records);
        using var scope = NewDisposeScope();
        using var inference = no_grad();
        using var gcPacer = new GcSafePointPacer();
        var parts = new List<Tensor>();
        foreach (var (pixels, _) in PixelBatches(records, model.Config.ImageSize, batchSize, device: DeviceOf(model)))
        {
            gcPacer.SafePoint();
            var batch = pixels!;
            using (batch)
            using (var encoding = model.EncodeImages(batch))
                parts.Add(encoding.PooledFeature.detach().clone());
        }
        return cat(parts, 0).MoveToOuterDisposeScope();
    }

    // The embeddings of records[indices] (all records when indices is null): rows of imageEmbeddings, which the caller
    // computed once for several metrics (row i = records[i]), or embedded here when it gave none.
    internal static Tensor EmbeddingsOf(MaMAModel model, IReadOnlyList<MammogramRecord> records, IReadOnlyList<int>? indices,
                                        Tensor? imageEmbeddings, IProgress<int>? imagesDone = null)
    {
        if (imageEmbeddings is null)
            return EmbedImages(model, indices is null ? records : indices.Select(i => records[i]).ToList(), imagesDone: imagesDone);
        if (imageEmbeddings.dim() != 2 || imageEmbeddings.shape[0] != records.Count)
            throw new ArgumentException($"imageEmbeddings must hold one row per record ([{records.Count}, E]), not [{string.Join(", ", imageEmbeddings.shape)}].", nameof(imageEmbeddings));
        return indices is null ? imageEmbeddings : imageEmbeddings.index_select(0, tensor(indices.Select(i => (long)i).ToArray(), device: imageEmbeddings.device));
    }

    // Eval-transform pixels [b, 3, S, S] of the records, a batch at a time (images decoded in parallel), with the number
    // of records the batch covered. Unreadable images go to `unreadable` and get no row (a batch of none is null);
    // without a list the first unreadable image of the batch throws its own exception (not an AggregateException).
    private static IEnumerable<(Tensor? Pixels, int Attempted)> PixelBatches(IReadOnlyList<MammogramRecord> records, int size, int batchSize,
                                                                           List<UnreadableImage>? unreadable = null, Device? device = null)
    {
        var preprocessor = new MammogramPreprocessor(new PreprocessingOptions { ImageSize = size });
        int start = 0;
        foreach (var chunk in records.Chunk(batchSize))
        {
            var pixels = new float[chunk.Length][];
            var errors = new MammogramReadException?[chunk.Length];
            // As many images at once as their decoded size lets through the shared memory gate, not one per core.
            Parallel.For(0, chunk.Length, i =>
            {
                using var memory = DecodeMemoryGate.Shared.BeginScope();
                try { pixels[i] = EvalPixels(chunk[i], preprocessor); }
                catch (MammogramReadException e) { errors[i] = e; }
            });
            for (int i = 0; i < chunk.Length; i++)
            {
                if (errors[i] is not { } error) continue;
                if (unreadable is null) throw error;
                unreadable.Add(new UnreadableImage(start + i, chunk[i].ImagePath, error.Message));
            }
            var good = pixels.Where(p => p is not null).ToList();
            start += chunk.Length;
            yield return (good.Count == 0 ? null : OnDevice(tensor(good.SelectMany(p => p).ToArray(), [good.Count, 3, size, size]), device), chunk.Length);
        }
    }

    // Text embeddings [N, E] of the captions, 32 at a time.
    internal static Tensor EncodeCaptionTexts(MaMAModel model, MaMATokenizer tokenizer, IReadOnlyList<string> captions)
    {
        using var scope = NewDisposeScope();
        var texts = new List<Tensor>();
        foreach (var chunk in captions.Chunk(32))
        {
            var (ids, mask) = tokenizer.EncodeCaptions(chunk, model.Config.TextMaxLength).ToTensors(DeviceOf(model));
            texts.Add(model.EncodeTexts(ids, mask));
        }
        return cat(texts, 0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Recalibrates the model's image feature norm (if it has one) on up to <paramref name="maxImages"/> of
    /// <paramref name="records"/>, evenly spaced, with the eval transform (<see cref="MaMAModel.RecalibrateImageFeatureNorm"/>).
    /// </summary>
    public static void RecalibrateFeatureNorm(MaMAModel model, IReadOnlyList<MammogramRecord> records, int maxImages = 512, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(records);
        if (model.ImageEncoder.GlobalNorm is null || records.Count < 2) return;
        int n = Math.Min(maxImages, records.Count);
        var chosen = Enumerable.Range(0, n).Select(i => records[(int)((long)i * records.Count / n)]).ToList();
        using var scope = NewDisposeScope();
        model.RecalibrateImageFeatureNorm(PixelBatches(chosen, model.Config.ImageSize, batchSize).Select(b => b.Pixels!));
    }

    /// <summary>
    /// Zero-shot classification of the records that have a label for <paramref name="task"/>; null when none has.
    /// Scores are the softmax probabilities over the class prompts. <paramref name="imageEmbeddings"/>: the records'
    /// embeddings (<see cref="EmbedImages(MaMAModel, IReadOnlyList{MammogramRecord}, int, IProgress{int}?)"/>, row i = record i) when the caller has them; null embeds the images.
    /// </summary>
    public static ClassificationReport? Classify(MaMAModel model, MaMATokenizer tokenizer, IReadOnlyList<MammogramRecord> records, ZeroShotTask task,
                                                 Tensor? imageEmbeddings = null) =>
        Score(model, tokenizer, records, task, imageEmbeddings: imageEmbeddings)?.Report;

    /// <summary>
    /// <see cref="Classify"/> with what plots and reports need besides the metrics: each labelled image's class,
    /// class probabilities and embedding. <paramref name="imagesDone"/> hears the images embedded so far;
    /// <paramref name="imageEmbeddings"/> as in <see cref="Classify"/>.
    /// </summary>
    /// <exception cref="MammogramReadException">An image cannot be read.</exception>
    public static ZeroShotScores? Score(MaMAModel model, MaMATokenizer tokenizer, IReadOnlyList<MammogramRecord> records, ZeroShotTask task,
                                        IProgress<int>? imagesDone = null, Tensor? imageEmbeddings = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(records);
        var labelled = records.Select((r, i) => (Index: i, Label: Label(r, task))).Where(x => x.Label is not null).ToList();
        if (labelled.Count == 0) return null;
        model.eval();
        using var scope = NewDisposeScope();
        using var inference = no_grad();
        var prompts = ZeroShotPrompts.For(task).Select(p => (IReadOnlyList<string>)[p]).ToList();
        using var classifier = ZeroShotClassifier.Create(model, tokenizer, prompts);
        var embeddings = EmbeddingsOf(model, records, labelled.Select(x => x.Index).ToList(), imageEmbeddings, imagesDone);
        var scores = Rows(classifier.Logits(embeddings).softmax(-1));
        var labels = labelled.Select(x => x.Label!.Value).ToList();
        var report = ClassificationReport.Compute(labels, scores, ZeroShotPrompts.ClassNames(task));
        return new ZeroShotScores(report, labels, scores, Rows(embeddings));
    }

    /// <summary>The rows of a [N, E] tensor as float arrays.</summary>
    public static float[][] Rows(Tensor matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        using var flat = matrix.to(ScalarType.Float32).cpu().contiguous();
        int width = (int)flat.shape[1];
        var values = flat.data<float>().ToArray();
        return Enumerable.Range(0, (int)flat.shape[0]).Select(i => values.AsSpan(i * width, width).ToArray()).ToArray();
    }

    /// <summary>
    /// Image-to-report retrieval: each image against the distinct clinical captions of <paramref name="records"/> (every
    /// metadata field masked, so what is left is procedure, composition, findings, impression and assessment: what an
    /// image can show). A hit is an image whose most similar distinct caption is its own. Returns the hit rate and
    /// the number of distinct captions K (a random pick hits 1/K). Unlike <see cref="ImageToTextTop1"/> it does not
    /// ask an image for its patient's age or race, and identical captions are one candidate, not ties.
    /// <paramref name="imageEmbeddings"/> as in <see cref="Classify"/>.
    /// </summary>
    public static (double Top1, int DistinctCaptions) ImageToClinicalTextTop1(MaMAModel model, MaMATokenizer tokenizer, IReadOnlyList<MammogramRecord> records,
                                                                              Tensor? imageEmbeddings = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0) throw new ArgumentException("no records to retrieve from", nameof(records));
        var masked = new StructuredCaptionBuilder(MaskProbability: 1.0);
        var own = records.Select(r => masked.Build(r, new Random(0))).ToList();
        var distinct = own.Distinct(StringComparer.Ordinal).ToList();
        var index = distinct.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        model.eval();
        using var scope = NewDisposeScope();
        using var inference = no_grad();
        var similarity = EmbeddingsOf(model, records, null, imageEmbeddings).matmul(EncodeCaptionTexts(model, tokenizer, distinct).t());
        return (Top1Hits(Floats(similarity), distinct.Count, own.Select(c => index[c]).ToArray()), distinct.Count);
    }

    /// <summary>
    /// Fraction of rows of a row-major [N, K] similarity matrix whose largest entry is at the row's own column and
    /// strictly above every other entry (a tie is a miss).
    /// </summary>
    public static double Top1Hits(ReadOnlySpan<float> similarity, int columns, IReadOnlyList<int> ownColumn)
    {
        ArgumentNullException.ThrowIfNull(ownColumn);
        if (columns <= 0 || similarity.Length != ownColumn.Count * columns)
            throw new ArgumentException($"similarity has {similarity.Length} values; {ownColumn.Count} rows x {columns} columns expected");
        int hits = 0;
        for (int r = 0; r < ownColumn.Count; r++)
        {
            var row = similarity.Slice(r * columns, columns);
            float mine = row[ownColumn[r]];
            bool hit = true;
            for (int c = 0; c < columns && hit; c++)
                if (c != ownColumn[r] && row[c] >= mine) hit = false;
            if (hit) hits++;
        }
        return ownColumn.Count == 0 ? 0 : (double)hits / ownColumn.Count;
    }

    /// <summary>
    /// Image-to-text retrieval top-1 among the records' own unmasked captions: the fraction of images whose most
    /// similar caption is theirs (ties count as a miss). Chance is 1/N for distinct captions.
    /// <paramref name="imageEmbeddings"/> as in <see cref="Classify"/>.
    /// </summary>
    public static double ImageToTextTop1(MaMAModel model, MaMATokenizer tokenizer, IReadOnlyList<MammogramRecord> records, Tensor? imageEmbeddings = null)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0) throw new ArgumentException("no records to retrieve from", nameof(records));
        model.eval();
        using var scope = NewDisposeScope();
        using var inference = no_grad();
        var captions = records.Select(r => StructuredCaptionBuilder.Unmasked.Build(r, null)).ToList();
        var similarity = EmbeddingsOf(model, records, null, imageEmbeddings).matmul(EncodeCaptionTexts(model, tokenizer, captions).t());
        // A hit needs its own caption (image i's is caption i) strictly above every other one.
        return Top1Hits(Floats(similarity), records.Count, Enumerable.Range(0, records.Count).ToArray());
    }

    internal static float[] Floats(Tensor t) => t.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();

    /// <summary>The device the model's weights are on (inputs are made there, so a model moved to a GPU runs there).</summary>
    public static Device DeviceOf(MaMAModel model) => model.parameters().First().device;

    // A CPU tensor moved to `device` (the same tensor when that is the CPU or null).
    private static Tensor OnDevice(Tensor t, Device? device) => device is null || device.type == TorchSharp.DeviceType.CPU ? t : t.to(device);
}
