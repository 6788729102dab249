using MaMA.MLNet.Training.Tests.Toy;

namespace MaMA.MLNet.Training.Tests;

[TestClass]
public sealed class PrefetchQueueTests
{
    private static List<float[]> Drain(int workers, int count)
    {
        var data = new ToyData();
        var order = new EpochBatchOrder(data.SampleCount, 4, seed: 3);
        using var queue = new PrefetchQueue<ToyPrepared>(order.KeysFrom(0),
            (key, token) => data.Prepare(key, DeterministicRandom.ForBatch(3, key.Epoch, key.IndexInEpoch), token), workers, capacity: 2);
        var batches = new List<float[]>();
        for (int i = 0; i < count; i++)
        {
            var (key, prepared) = queue.Take();
            Assert.AreEqual(i, key.Sequence);
            batches.Add(prepared.X);
        }
        return batches;
    }

    [TestMethod]
    public void OneAndThreeWorkersGiveIdenticalBatches()
    {
        // 40 micro-batches of 4 over 64 samples: 16 per epoch, so this crosses two epoch boundaries.
        var one = Drain(1, 40);
        var three = Drain(3, 40);
        for (int i = 0; i < one.Count; i++) CollectionAssert.AreEqual(one[i], three[i], $"micro-batch {i}");
        // Epochs are reshuffled: the first batches of epochs 0 and 1 differ.
        CollectionAssert.AreNotEqual(one[0], one[16]);
    }

    [TestMethod]
    public void AWorkerFailureSurfacesAtItsBatchWithTheKeyNamed()
    {
        var order = new EpochBatchOrder(64, 4, seed: 3);
        using var queue = new PrefetchQueue<int>(order.KeysFrom(0),
            (key, _) => key.Sequence == 5 ? throw new FormatException("bad caption") : (int)key.Sequence, workers: 3, capacity: 4);
        for (int i = 0; i < 5; i++) Assert.AreEqual(i, queue.Take().Value);
        var error = Assert.ThrowsExactly<BatchPreparationException>(() => queue.Take());
        Assert.AreEqual(5, error.Key.Sequence);
        StringAssert.Contains(error.Message, "micro-batch 5");
        StringAssert.Contains(error.Message, "bad caption");
        Assert.IsInstanceOfType<FormatException>(error.InnerException);
    }

    [TestMethod]
    public void ACancelledConsumerTokenThrowsOperationCanceled()
    {
        var order = new EpochBatchOrder(64, 4, seed: 3);
        using var gate = new ManualResetEventSlim(false);
        using var queue = new PrefetchQueue<int>(order.KeysFrom(0), (key, token) => { gate.Wait(token); return 0; }, workers: 1, capacity: 1);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsExactly<OperationCanceledException>(() => queue.Take(cts.Token), "the batch is never ready");
    }

    [TestMethod]
    public void WorkersNeverRunMoreThanCapacityPlusOneAhead()
    {
        const int capacity = 3;
        int consumed = 0, maxLead = 0;
        var order = new EpochBatchOrder(64, 4, seed: 3);
        using var queue = new PrefetchQueue<long>(order.KeysFrom(0), (key, _) =>
        {
            int lead = (int)key.Sequence - Volatile.Read(ref consumed);
            int seen;
            do { seen = Volatile.Read(ref maxLead); } while (lead > seen && Interlocked.CompareExchange(ref maxLead, lead, seen) != seen);
            return key.Sequence;
        }, workers: 4, capacity: capacity);
        for (int i = 0; i < 50; i++)
        {
            queue.Take();
            Interlocked.Increment(ref consumed);
        }
        Assert.IsLessThanOrEqualTo(capacity + 1, maxLead);
    }

    [TestMethod]
    public void EpochOrderIsAPermutationCutIntoFullBatches()
    {
        var order = new EpochBatchOrder(10, 3, seed: 1);
        Assert.AreEqual(3, order.BatchesPerEpoch);
        var epoch0 = Enumerable.Range(0, 3).SelectMany(i => order.KeyAt(i).SampleIndices).ToList();
        Assert.AreEqual(9, epoch0.Distinct().Count());
        Assert.IsTrue(epoch0.All(i => i is >= 0 and < 10));
        Assert.AreEqual(1, order.KeyAt(3).Epoch);
        Assert.AreEqual(0, order.KeyAt(3).IndexInEpoch);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new EpochBatchOrder(2, 3, seed: 1));
    }
}
