namespace MaMA.MLNet.Training;

/// <summary>
/// The order in which samples are drawn: each epoch is a fresh permutation of the data set drawn from
/// (seed, epoch), cut into micro-batches; an incomplete last micro-batch is dropped (contrastive losses want full
/// batches of negatives). The order is a pure function of the micro-batch sequence number, so the data-order state
/// a checkpoint stores is that number alone.
/// </summary>
public sealed class EpochBatchOrder
{
    private int _cachedEpoch = -1;
    private int[] _cachedPermutation = [];

    /// <summary>Creates the order.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The data set is smaller than one micro-batch, or a size is not positive.</exception>
    public EpochBatchOrder(int sampleCount, int microBatchSize, long seed)
    {
        if (microBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(microBatchSize), microBatchSize, "The micro-batch size must be at least 1.");
        if (sampleCount < microBatchSize)
            throw new ArgumentOutOfRangeException(nameof(sampleCount), sampleCount,
                $"The data set has {sampleCount} samples, fewer than one micro-batch of {microBatchSize}.");
        SampleCount = sampleCount;
        MicroBatchSize = microBatchSize;
        Seed = seed;
        BatchesPerEpoch = sampleCount / microBatchSize;
    }

    /// <summary>Samples in the data set.</summary>
    public int SampleCount { get; }

    /// <summary>Samples per micro-batch.</summary>
    public int MicroBatchSize { get; }

    /// <summary>The data-order seed.</summary>
    public long Seed { get; }

    /// <summary>Full micro-batches per epoch.</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>The key of micro-batch <paramref name="sequence"/> of the run.</summary>
    public BatchKey KeyAt(long sequence)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        long epoch = sequence / BatchesPerEpoch;
        if (epoch > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(sequence), sequence, "Too many epochs.");
        int index = (int)(sequence % BatchesPerEpoch);
        int[] permutation = PermutationOf((int)epoch);
        var samples = new int[MicroBatchSize];
        Array.Copy(permutation, (long)index * MicroBatchSize, samples, 0, MicroBatchSize);
        return new BatchKey(sequence, (int)epoch, index, samples);
    }

    /// <summary>The keys from <paramref name="firstSequence"/> on, without end.</summary>
    public IEnumerable<BatchKey> KeysFrom(long firstSequence)
    {
        for (long s = firstSequence; ; s++) yield return KeyAt(s);
    }

    private int[] PermutationOf(int epoch)
    {
        if (epoch == _cachedEpoch) return _cachedPermutation;
        var p = new int[SampleCount];
        for (int i = 0; i < p.Length; i++) p[i] = i;
        var random = DeterministicRandom.ForEpochOrder(Seed, epoch);
        for (int i = p.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        _cachedEpoch = epoch;
        _cachedPermutation = p;
        return p;
    }
}
