namespace MaMA.MLNet.Components;

/// <summary>One retrieval hit: the index of the candidate and its cosine similarity with the query.</summary>
/// <param name="Index">Index of the candidate in the list searched.</param>
/// <param name="Similarity">Cosine similarity (the dot product of L2-normalised embeddings).</param>
public readonly record struct RetrievalHit(int Index, float Similarity);

/// <summary>
/// Image-to-text and text-to-image retrieval over MaMA embeddings (both L2-normalised, so the dot product is the
/// cosine). Use the embedding columns the image and text embedding transformers write.
/// </summary>
public static class EmbeddingRetrieval
{
    /// <summary>The <paramref name="k"/> candidates most similar to <paramref name="query"/>, best first (ties: lower index first).</summary>
    /// <exception cref="ArgumentException">Lengths differ or k is not positive.</exception>
    public static IReadOnlyList<RetrievalHit> TopK(ReadOnlySpan<float> query, IReadOnlyList<float[]> candidates, int k)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1");
        var hits = new List<RetrievalHit>(candidates.Count);
        for (int i = 0; i < candidates.Count; i++)
        {
            if (candidates[i].Length != query.Length)
                throw new ArgumentException($"candidate {i} has {candidates[i].Length} dimensions, the query {query.Length}", nameof(candidates));
            float dot = 0;
            for (int d = 0; d < query.Length; d++) dot += query[d] * candidates[i][d];
            hits.Add(new RetrievalHit(i, dot));
        }
        return hits.OrderByDescending(h => h.Similarity).ThenBy(h => h.Index).Take(k).ToList();
    }

    /// <summary>For each query, its top-k candidates.</summary>
    public static IReadOnlyList<IReadOnlyList<RetrievalHit>> TopK(IReadOnlyList<float[]> queries, IReadOnlyList<float[]> candidates, int k)
    {
        ArgumentNullException.ThrowIfNull(queries);
        return queries.Select(q => TopK(q, candidates, k)).ToList();
    }

    /// <summary>Recall@k when query i's right answer is candidate i (paired image-report lists).</summary>
    public static double RecallAtK(IReadOnlyList<float[]> queries, IReadOnlyList<float[]> candidates, int k)
    {
        ArgumentNullException.ThrowIfNull(queries);
        if (queries.Count == 0) throw new ArgumentException("no queries", nameof(queries));
        return queries.Select((q, i) => TopK(q, candidates, k).Any(h => h.Index == i) ? 1.0 : 0.0).Average();
    }
}
