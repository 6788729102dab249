using System.Runtime;

namespace MaMA.MLNet.Modeling;

/// <summary>
/// Holds garbage collections to points where no TorchSharp call is in flight. TorchSharp 0.107 leaves the
/// <c>Scalar</c> it creates for <c>x.add_(1)</c>, <c>x.pow(2)</c>, <c>x.eq(id)</c> ... to the collector; once its handle
/// has been read the object may be collected, and a collection triggered by another thread (a data-loading worker)
/// during the native call frees it while libtorch still reads it: "Unknown scalar type" or a Scalar.h assertion, at
/// random, after hundreds of steps. A training loop calls <see cref="SafePoint"/> at the top of every step, where its
/// own thread runs managed code and the workers touch no tensors: the pacer keeps a no-GC region open and renews it
/// before half its budget is allocated, with one full collection there, so collections happen at safe points only.
/// If the region cannot be had (another owner, a budget the runtime refuses) it does nothing and the loop runs as
/// before. This library's modules create no implicit Scalar any more (<see cref="ExplicitScalars"/>); the pacer stays
/// for what it does not control, such as TorchSharp's own AdamW step.
/// </summary>
public sealed class GcSafePointPacer : IDisposable
{
    private readonly long _budgetBytes;
    private long _allocatedAtStart;
    private bool _inRegion;

    /// <summary>A pacer whose no-GC regions allow <paramref name="budgetBytes"/> of allocation (default 256 MiB).</summary>
    public GcSafePointPacer(long budgetBytes = 256L << 20)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(budgetBytes, 1L << 20);
        _budgetBytes = budgetBytes;
    }

    /// <summary>Whether a no-GC region of this pacer is open now.</summary>
    public bool InRegion => _inRegion && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion;

    /// <summary>Regions opened so far (each one collected once, at a safe point).</summary>
    public int RegionsStarted { get; private set; }

    /// <summary>
    /// Call where no TorchSharp native call is in flight on any thread. Keeps the open region while less than half its
    /// budget has been allocated; otherwise ends it and opens a new one (the collection happens here).
    /// </summary>
    public void SafePoint()
    {
        bool halfSpent = GC.GetTotalAllocatedBytes() - _allocatedAtStart >= _budgetBytes / 2;
        if (InRegion && !halfSpent) return;
        End();
        if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) return; // another owner's region: a collection would end it
        // TryStartNoGCRegion collects only when its free space does not cover the budget already; with the regions
        // of .NET 7+ it often does, and then the garbage made since the last region stays (a demo grew ~22 MB a
        // step, to 24 GB). So the collection is asked for here, where it is safe; paced by allocation, also when
        // no region can be had.
        if (halfSpent) GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true);
        try
        {
            _inRegion = GC.TryStartNoGCRegion(_budgetBytes);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or InvalidOperationException)
        {
            _inRegion = false; // another region is open (a parallel run) or the budget is too large here
        }
        if (_inRegion) RegionsStarted++;
        _allocatedAtStart = GC.GetTotalAllocatedBytes();
    }

    /// <summary>Ends the open region, if any.</summary>
    public void Dispose() => End();

    private void End()
    {
        if (InRegion)
        {
            try { GC.EndNoGCRegion(); }
            catch (InvalidOperationException) { } // the runtime ended it already (budget exceeded)
        }
        _inRegion = false;
    }
}
