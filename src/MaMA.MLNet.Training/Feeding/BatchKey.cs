namespace MaMA.MLNet.Training;

/// <summary>
/// Which micro-batch this is and which samples it holds. Its content (and its random augmentations, through
/// <see cref="DeterministicRandom.ForBatch"/>) depends on the key only, never on which worker prepared it.
/// </summary>
/// <param name="Sequence">The micro-batch's position in the whole run, from 0 (step = Sequence / accumulation).</param>
/// <param name="Epoch">The pass over the data set, from 0.</param>
/// <param name="IndexInEpoch">The micro-batch's position within the epoch, from 0.</param>
/// <param name="SampleIndices">Indices into the data set, in batch order.</param>
public sealed record BatchKey(long Sequence, int Epoch, int IndexInEpoch, IReadOnlyList<int> SampleIndices)
{
    /// <inheritdoc />
    public override string ToString()
    {
        const int Shown = 8;
        string samples = string.Join(", ", SampleIndices.Take(Shown)) + (SampleIndices.Count > Shown ? ", ..." : "");
        return $"micro-batch {Sequence} (epoch {Epoch}, batch {IndexInEpoch}, samples {samples})";
    }
}
