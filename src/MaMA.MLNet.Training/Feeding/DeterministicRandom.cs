namespace MaMA.MLNet.Training;

/// <summary>
/// Seeds derived from (seed, epoch, index) by SplitMix64 mixing, so every batch and every epoch order has its own
/// reproducible random stream whatever thread or process computes it.
/// </summary>
public static class DeterministicRandom
{
    /// <summary>Mixes the values into one 64-bit seed (SplitMix64 finaliser over each value in turn).</summary>
    public static ulong Mix(long seed, params ReadOnlySpan<long> values)
    {
        ulong h = Finalise((ulong)seed ^ 0x9E3779B97F4A7C15UL);
        foreach (long v in values) h = Finalise(h ^ Finalise((ulong)v + 0x9E3779B97F4A7C15UL));
        return h;
    }

    /// <summary>
    /// The random stream of micro-batch <paramref name="indexInEpoch"/> of <paramref name="epoch"/> (augmentation,
    /// caption masking). <see cref="Random"/> with an explicit seed gives the same sequence on every .NET version.
    /// </summary>
    public static Random ForBatch(long seed, int epoch, int indexInEpoch) => new(ToInt(Mix(seed, 1, epoch, indexInEpoch)));

    /// <summary>The random stream that orders the samples of <paramref name="epoch"/>.</summary>
    public static Random ForEpochOrder(long seed, int epoch) => new(ToInt(Mix(seed, 2, epoch)));

    private static int ToInt(ulong h) => (int)(h & 0x7FFF_FFFF);

    private static ulong Finalise(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
