using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Evaluation;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Preprocessing;
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

    /// <summary>Image embeddings [N, E] of <paramref name="records"/>, in batches.</summary>
    public static Tensor EmbedImages(MaMAModel model, IReadOnlyList<MammogramRecord> records, int batchSize = 32)
    {
        int s = model.Config.Vision.ImageSize;
        var preprocessor = new MammogramPreprocessor(new PreprocessingOptions { ImageSize = s });
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        for (int start = 0; start < records.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, records.Count - start);
            var pixels = new float[n][];
            Parallel.For(0, n, i => pixels[i] = EvalPixels(records[start + i], preprocessor));
            using var batch = tensor(pixels.SelectMany(p => p).ToArray(), [n, 3, s, s]);
            using var encoding = model.EncodeImages(batch);
            parts.Add(encoding.Embedding.detach().clone());
        }
        return cat(parts, 0).MoveToOuterDisposeScope();
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
        int s = model.Config.Vision.ImageSize, n = Math.Min(maxImages, records.Count);
        var preprocessor = new MammogramPreprocessor(new PreprocessingOptions { ImageSize = s });
        var chosen = Enumerable.Range(0, n).Select(i => records[(int)((long)i * records.Count / n)]).ToList();
        IEnumerable<Tensor> Batches()
        {
            foreach (var chunk in chosen.Chunk(batchSize))
            {
                var pixels = new float[chunk.Length][];
                Parallel.For(0, chunk.Length, i => pixels[i] = EvalPixels(chunk[i], preprocessor));
                yield return tensor(pixels.SelectMany(p => p).ToArray(), [chunk.Length, 3, s, s]);
            }
        }
        using var scope = NewDisposeScope();
        model.RecalibrateImageFeatureNorm(Batches());
    }

    /// <summary>
    /// Zero-shot classification of the records that have a label for <paramref name="task"/>; null when none has.
    /// Scores are the softmax probabilities over the class prompts.
    /// </summary>
    public static ClassificationReport? Classify(MaMAModel model, MaMATokenizer tokenizer, IReadOnlyList<MammogramRecord> records, ZeroShotTask task)
    {
        var labelled = records.Select(r => (Record: r, Label: Label(r, task))).Where(x => x.Label is not null).ToList();
        if (labelled.Count == 0) return null;
        model.eval();
        using var scope = NewDisposeScope();
        var prompts = ZeroShotPrompts.For(task).Select(p => (IReadOnlyList<string>)[p]).ToList();
        using var classifier = ZeroShotClassifier.Create(model, tokenizer, prompts);
        var embeddings = EmbedImages(model, labelled.Select(x => x.Record).ToList());
        var probabilities = classifier.Logits(embeddings).softmax(-1).to(ScalarType.Float32).contiguous();
        int k = classifier.ClassCount;
        var flat = probabilities.data<float>().ToArray();
        var scores = Enumerable.Range(0, labelled.Count).Select(i => flat.AsSpan(i * k, k).ToArray()).ToList();
        return ClassificationReport.Compute(labelled.Select(x => x.Label!.Value).ToList(), scores, ZeroShotPrompts.ClassNames(task));
    }

    /// <summary>
    /// Image-to-report retrieval: each image against the distinct clinical captions of <paramref name="records"/> (every
    /// metadata field masked, so what is left is procedure, composition, findings, impression and assessment: what an
    /// image can show). A hit is an image whose most similar distinct caption is its own. Returns the hit rate and
    /// the number of distinct captions K (a random pick hits 1/K). Unlike <see cref="ImageToTextTop1"/> it does not
    /// ask an image for its patient's age or race, and identical captions are one candidate, not ties.
    /// </summary>
    public static (double Top1, int DistinctCaptions) ImageToClinicalTextTop1(MaMAModel model, MaMATokenizer tokenizer, IReadOnlyList<MammogramRecord> records)
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
        var images = EmbedImages(model, records);
        var texts = new List<Tensor>();
        for (int start = 0; start < distinct.Count; start += 32)
        {
            var chunk = distinct.GetRange(start, Math.Min(32, distinct.Count - start));
            var (ids, mask) = tokenizer.EncodeCaptions(chunk, model.Config.TextMaxLength).ToTensors();
            texts.Add(model.EncodeTexts(ids, mask));
        }
        var similarity = images.matmul(cat(texts, 0).t()).to(ScalarType.Float32).contiguous();
        var values = similarity.data<float>().ToArray();
        return (Top1Hits(values, distinct.Count, own.Select(c => index[c]).ToArray()), distinct.Count);
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
    /// </summary>
    public static double ImageToTextTop1(MaMAModel model, MaMATokenizer tokenizer, IReadOnlyList<MammogramRecord> records)
    {
        if (records.Count == 0) throw new ArgumentException("no records to retrieve from", nameof(records));
        model.eval();
        using var scope = NewDisposeScope();
        var images = EmbedImages(model, records);
        var captions = records.Select(r => StructuredCaptionBuilder.Unmasked.Build(r, null)).ToList();
        var texts = new List<Tensor>();
        for (int start = 0; start < captions.Count; start += 32)
        {
            var chunk = captions.GetRange(start, Math.Min(32, captions.Count - start));
            var (ids, mask) = tokenizer.EncodeCaptions(chunk, model.Config.TextMaxLength).ToTensors();
            texts.Add(model.EncodeTexts(ids, mask));
        }
        var similarity = images.matmul(cat(texts, 0).t());
        var own = similarity.diagonal().unsqueeze(1);
        // A hit needs its own caption strictly above every other one.
        var others = similarity.gt(own).sum(1).eq(0).logical_and(similarity.eq(own).sum(1).eq(1));
        return others.to(ScalarType.Float64).mean().item<double>();
    }
}
