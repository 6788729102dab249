using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Tokenization;
using static TorchSharp.torch;

namespace MaMA.MLNet.Pretraining;

/// <summary>Precision@k of a category-level retrieval; a random ranking scores <see cref="Chance"/>.</summary>
/// <param name="PrecisionAtK">k -> mean fraction of a query's k nearest reports that share its class.</param>
/// <param name="Queries">Images queried (the same number per class).</param>
/// <param name="Classes">Classes present; chance is 1 / Classes.</param>
public sealed record CategoryRetrievalResult(IReadOnlyDictionary<int, double> PrecisionAtK, int Queries, int Classes)
{
    /// <summary>The precision a random ranking has: the balanced query set makes it 1 / classes at every k.</summary>
    public double Chance => Classes == 0 ? double.NaN : 1.0 / Classes;
}

/// <summary>
/// Category-level image-to-text retrieval, the "5x200" protocol of GLoRIA (Huang et al., ICCV 2021) that MGCA and
/// MedCLIP report too: the same number of images per class are the queries, their reports the candidates, and
/// precision@k is the fraction of a query's k most similar reports whose class is the query's. Unlike
/// instance-level top-1 it asks only what an image can show: a report line about the patient's age matches no pixels.
/// </summary>
public static class CategoryRetrieval
{
    /// <summary>
    /// Retrieval among the reports of <paramref name="records"/> labelled for <paramref name="task"/>: per class the
    /// first m records in order (m the smallest class count), each report its clinical caption (every metadata field
    /// masked: procedure, composition, findings, impression, assessment). <paramref name="imageEmbeddings"/>: the
    /// records' embeddings (row i = record i) when the caller has them; null embeds the chosen images.
    /// </summary>
    public static CategoryRetrievalResult Evaluate(MaMAModel model, MaMATokenizer tokenizer, IReadOnlyList<MammogramRecord> records,
                                                   ZeroShotTask task, IReadOnlyList<int> ks, Tensor? imageEmbeddings = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(ks);
        var byClass = records.Select((r, i) => (Index: i, Label: MaMAZeroShotEvaluation.Label(r, task)))
            .Where(x => x.Label is not null).GroupBy(x => x.Label!.Value).OrderBy(g => g.Key).ToList();
        int perClass = byClass.Count == 0 ? 0 : byClass.Min(g => g.Count());
        var chosen = byClass.SelectMany(g => g.Take(perClass)).ToList();
        if (chosen.Count == 0) return new CategoryRetrievalResult(ks.Distinct().ToDictionary(k => k, _ => double.NaN), 0, byClass.Count);

        var labels = chosen.Select(x => x.Label!.Value).ToArray();
        var reports = new StructuredCaptionBuilder(MaskProbability: 1.0);
        var captions = chosen.Select(x => reports.Build(records[x.Index], new Random(0))).ToList();
        model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var images = MaMAZeroShotEvaluation.EmbeddingsOf(model, records, chosen.Select(x => x.Index).ToList(), imageEmbeddings);
        var similarity = MaMAZeroShotEvaluation.Floats(images.matmul(MaMAZeroShotEvaluation.EncodeCaptionTexts(model, tokenizer, captions).t()));
        // A k beyond the candidates has no precision.
        var precision = ks.Distinct().ToDictionary(k => k, k => k <= labels.Length ? PrecisionAtK(similarity, labels, labels, k) : double.NaN);
        return new CategoryRetrievalResult(precision, chosen.Count, byClass.Count);
    }

    /// <summary>
    /// Mean over the rows of a row-major [queries, candidates] similarity matrix of the fraction of the row's k largest
    /// entries whose candidate has the query's label. Ties at the k-th value are shared out as a random tie-break
    /// would on average, so a matrix of equal values scores the label frequency, not the candidates' order.
    /// </summary>
    public static double PrecisionAtK(ReadOnlySpan<float> similarity, IReadOnlyList<int> queryLabels, IReadOnlyList<int> candidateLabels, int k)
    {
        ArgumentNullException.ThrowIfNull(queryLabels);
        ArgumentNullException.ThrowIfNull(candidateLabels);
        int columns = candidateLabels.Count;
        if (columns == 0 || similarity.Length != queryLabels.Count * columns)
            throw new ArgumentException($"similarity has {similarity.Length} values; {queryLabels.Count} queries x {columns} candidates expected");
        if (k < 1 || k > columns) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in 1..{columns}");
        if (queryLabels.Count == 0) return double.NaN;
        var sorted = new float[columns];
        double total = 0;
        for (int q = 0; q < queryLabels.Count; q++)
        {
            var row = similarity.Slice(q * columns, columns);
            row.CopyTo(sorted);
            Array.Sort(sorted);
            float kth = sorted[columns - k];
            // Everything above the k-th value is in; of the m values equal to it, (k - above) of m are.
            int above = 0, tied = 0, matchAbove = 0, matchTied = 0;
            for (int c = 0; c < columns; c++)
            {
                bool match = candidateLabels[c] == queryLabels[q];
                if (row[c] > kth) { above++; if (match) matchAbove++; }
                else if (row[c] == kth) { tied++; if (match) matchTied++; }
            }
            if (tied == 0) throw new ArgumentException($"similarity row {q} holds a NaN", nameof(similarity));
            total += (matchAbove + (double)(k - above) * matchTied / tied) / k;
        }
        return total / queryLabels.Count;
    }
}
