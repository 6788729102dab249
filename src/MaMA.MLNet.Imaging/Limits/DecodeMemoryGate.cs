namespace MaMA.MLNet.Imaging;

/// <summary>
/// Bounds the images decoded at once by the memory they need rather than by the number of cores: each decode
/// reserves its frame's peak bytes (<see cref="DecodeLimits.PeakBytes"/>) once the header is read and before
/// its buffers are taken, and waits while the reservations held would pass <see cref="CapacityBytes"/>. A
/// request larger than the capacity runs alone. Thread-safe; one <see cref="Shared"/> gate serves the process.
/// </summary>
/// <remarks>
/// A decode's own buffers are gone when it returns, but the decoded image usually lives on through
/// preprocessing. A parallel loop that reads and preprocesses opens a <see cref="BeginScope"/> around each
/// item: reservations made on that thread inside the scope are then released when the scope ends. A second
/// reservation inside a scope that already holds one is granted without waiting (waiting there could deadlock
/// two threads that each hold memory).
/// </remarks>
public sealed class DecodeMemoryGate
{
    private readonly object _lock = new();
    private long _inUse;
    private long _peak;
    private int _holders;
    private int _peakHolders;
    private int _waiters;

    [ThreadStatic] private static List<Scope>? t_scopes;

    /// <summary>A gate that lets <paramref name="capacityBytes"/> of reservations run at once.</summary>
    public DecodeMemoryGate(long capacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacityBytes);
        CapacityBytes = capacityBytes;
    }

    /// <summary>
    /// The process-wide gate: a quarter of the memory the runtime may use (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>,
    /// which honours container limits), and at least one image at <see cref="DecodeLimits.DefaultMaxPixels"/>.
    /// </summary>
    public static DecodeMemoryGate Shared { get; } = new(Math.Max(DecodeLimits.PeakBytes(DecodeLimits.DefaultMaxPixels), GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4));

    internal static IDisposable Nothing { get; } = new Reservation(null, 0);

    /// <summary>The bytes of reservations that may be held at once.</summary>
    public long CapacityBytes { get; }

    /// <summary>The bytes reserved now.</summary>
    public long BytesInUse { get { lock (_lock) return _inUse; } }

    /// <summary>The reservations waiting for memory now.</summary>
    public int Waiters { get { lock (_lock) return _waiters; } }

    /// <summary>The most bytes reserved at once since the gate was made (or <see cref="ResetPeak"/>).</summary>
    public long PeakBytesInUse { get { lock (_lock) return _peak; } }

    /// <summary>The most reservations held at once since the gate was made (or <see cref="ResetPeak"/>).</summary>
    public int PeakHolders { get { lock (_lock) return _peakHolders; } }

    /// <summary>Starts the peak figures again from what is held now.</summary>
    public void ResetPeak()
    {
        lock (_lock)
        {
            _peak = _inUse;
            _peakHolders = _holders;
        }
    }

    /// <summary>
    /// Waits until <paramref name="bytes"/> fit beside the reservations held (or none is held), then reserves them.
    /// Dispose the result to release them; inside a <see cref="BeginScope"/> of this gate the scope releases them.
    /// </summary>
    public IDisposable Reserve(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Scope? scope = null;
        if (t_scopes is { Count: > 0 } scopes)
            for (int i = scopes.Count - 1; i >= 0 && scope is null; i--)
                if (scopes[i].Gate == this) scope = scopes[i];
        lock (_lock)
        {
            // Inside a scope that already holds memory, waiting could deadlock against another such scope.
            bool mayWait = scope is null || scope.Bytes == 0;
            if (mayWait && _holders > 0 && _inUse + bytes > CapacityBytes)
            {
                _waiters++;
                try
                {
                    while (_holders > 0 && _inUse + bytes > CapacityBytes) Monitor.Wait(_lock);
                }
                finally { _waiters--; }
            }
            _inUse += bytes;
            _holders++;
            _peak = Math.Max(_peak, _inUse);
            _peakHolders = Math.Max(_peakHolders, _holders);
        }
        if (scope is null) return new Reservation(this, bytes);
        scope.Add(bytes);
        return Nothing;
    }

    /// <summary>
    /// Opens a scope on this thread: reservations made on the gate inside it (by the readers) are held until it is
    /// disposed. Use one per image around read + preprocess in parallel loops.
    /// </summary>
    public IDisposable BeginScope()
    {
        var scope = new Scope(this);
        (t_scopes ??= []).Add(scope);
        return scope;
    }

    private void Release(long bytes, int holders)
    {
        if (holders == 0) return;
        lock (_lock)
        {
            _inUse -= bytes;
            _holders -= holders;
            Monitor.PulseAll(_lock);
        }
    }

    private sealed class Reservation(DecodeMemoryGate? gate, long bytes) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (gate is not null && Interlocked.Exchange(ref _released, 1) == 0) gate.Release(bytes, 1);
        }
    }

    private sealed class Scope(DecodeMemoryGate gate) : IDisposable
    {
        private int _holders;
        private bool _disposed;

        public DecodeMemoryGate Gate { get; } = gate;

        public long Bytes { get; private set; }

        public void Add(long bytes)
        {
            Bytes += bytes;
            _holders++;
        }

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            t_scopes?.Remove(this);
            Gate.Release(Bytes, _holders);
        }
    }
}
