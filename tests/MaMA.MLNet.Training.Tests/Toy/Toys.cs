using static TorchSharp.torch;

namespace MaMA.MLNet.Training.Tests.Toy;

/// <summary>Small defaults for toy runs.</summary>
internal static class Toys
{
    public static TrainerOptions Options(long totalSteps = 8) => new()
    {
        TotalSteps = totalSteps,
        MicroBatchSize = 4,
        AccumulationSteps = 2,
        LearningRate = 1e-2,
        MinLearningRate = 1e-4,
        WarmupSteps = Math.Min(2, totalSteps - 1),
        WeightDecay = 0.1,
        Seed = 7,
        PrefetchWorkers = 2,
        PrefetchCapacity = 3,
        CheckpointEvery = 0,
    };

    /// <summary>Builds a toy objective after seeding torch, as a program would.</summary>
    public static ToyObjective Objective(long initSeed = 1, double dropout = 0.3, long lateStart = 3)
    {
        manual_seed(initSeed);
        return new ToyObjective(dropout, lateStart);
    }

    public static void AssertBitIdentical(Dictionary<string, float[]> expected, Dictionary<string, float[]> actual, params string[] except)
    {
        CollectionAssert.AreEquivalent(expected.Keys.ToList(), actual.Keys.ToList());
        foreach (var (name, values) in expected)
        {
            if (except.Contains(name)) continue;
            var other = actual[name];
            Assert.HasCount(values.Length, other, name);
            for (int i = 0; i < values.Length; i++)
                Assert.AreEqual(BitConverter.SingleToInt32Bits(values[i]), BitConverter.SingleToInt32Bits(other[i]),
                    $"{name}[{i}]: {values[i]:R} vs {other[i]:R}");
        }
    }
}
