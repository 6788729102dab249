namespace MaMA.MLNet.Modeling.Tests;

/// <summary>
/// <see cref="GcSafePointPacer"/>: no collection between safe points while the allocation stays under half the budget,
/// and a renewed region (one collection, at the safe point) once it does not. Alone: a no-GC region is process-wide.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class GcSafePointPacerTests
{
    private static byte[][] Allocate(long bytes, int chunk = 100_000) =>
        Enumerable.Range(0, (int)(bytes / chunk)).Select(_ => new byte[chunk]).ToArray();

    [TestMethod]
    public void CollectionsHappenOnlyAtSafePoints()
    {
        using var pacer = new GcSafePointPacer(64L << 20);
        pacer.SafePoint();
        Assert.IsTrue(pacer.InRegion, "the runtime refused a 64 MiB no-GC region");
        Assert.AreEqual(1, pacer.RegionsStarted);

        int before = GC.CollectionCount(0);
        var kept = Allocate(20L << 20); // 20 MiB of 100 KB arrays: large-object-heap allocations that would collect
        Assert.AreEqual(before, GC.CollectionCount(0), "a collection ran inside the region");
        pacer.SafePoint();
        Assert.AreEqual(1, pacer.RegionsStarted, "under half the budget the region is kept");

        kept = Allocate(20L << 20);
        pacer.SafePoint(); // 40 MiB > 32 MiB: renewed here
        Assert.AreEqual(2, pacer.RegionsStarted);
        Assert.IsTrue(pacer.InRegion);
        GC.KeepAlive(kept);

        pacer.Dispose();
        Assert.IsFalse(pacer.InRegion);
        Assert.AreNotEqual(System.Runtime.GCLatencyMode.NoGCRegion, System.Runtime.GCSettings.LatencyMode);
    }

    // The runtime skips the collection of TryStartNoGCRegion when its free space covers the budget; renewing must
    // collect anyway, or garbage made between safe points is never freed (mama demo grew ~22 MB a step, to 24 GB).
    [TestMethod]
    public void RenewingARegionFreesTheGarbageMadeBeforeIt()
    {
        using var pacer = new GcSafePointPacer(64L << 20);
        pacer.SafePoint();
        Assert.IsTrue(pacer.InRegion, "the runtime refused a 64 MiB no-GC region");
        for (int renewal = 0; renewal < 5; renewal++)
        {
            var garbage = MakeGarbage();
            Allocate(40L << 20); // over half the budget: the next safe point renews
            int regions = pacer.RegionsStarted;
            pacer.SafePoint();
            Assert.AreEqual(regions + 1, pacer.RegionsStarted);
            Assert.IsFalse(garbage.IsAlive, $"renewal {renewal + 1}: the object dropped before it was not collected");
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference MakeGarbage() => new(new byte[1000]);

    [TestMethod]
    public void AnotherOwnersRegionIsLeftOpen()
    {
        Assert.IsTrue(GC.TryStartNoGCRegion(16L << 20), "the runtime refused a 16 MiB no-GC region");
        try
        {
            using var pacer = new GcSafePointPacer(64L << 20);
            pacer.SafePoint();
            Assert.AreEqual(0, pacer.RegionsStarted);
            Assert.IsFalse(pacer.InRegion);
            Assert.AreEqual(System.Runtime.GCLatencyMode.NoGCRegion, System.Runtime.GCSettings.LatencyMode, "the pacer ended a region it does not own");
        }
        finally
        {
            if (System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion) GC.EndNoGCRegion();
        }
    }

    [TestMethod]
    public void ABudgetBelowOneMebibyteIsRefused() =>
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new GcSafePointPacer(1000));
}
