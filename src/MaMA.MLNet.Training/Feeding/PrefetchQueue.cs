using System.Threading.Channels;

namespace MaMA.MLNet.Training;

/// <summary>
/// Prepares micro-batches ahead of the training thread on <c>workers</c> background tasks and hands them out in key
/// order. At most <c>capacity</c> + 1 micro-batches are prepared or being prepared beyond the one the consumer
/// holds, so memory stays bounded however slow training is.
/// </summary>
/// <remarks>
/// A dispatcher puts one slot per key into a bounded, ordered channel (this is what bounds the look-ahead) and the
/// same slot into a work channel that the workers drain. The consumer reads the ordered channel and waits on each
/// slot's result, so the order of batches never depends on which worker finished first. A worker's exception is
/// stored in its slot as a <see cref="BatchPreparationException"/> naming the key and surfaces when the consumer
/// reaches that batch.
/// </remarks>
/// <typeparam name="T">The prepared micro-batch (plain .NET data, no tensors).</typeparam>
public sealed class PrefetchQueue<T> : IDisposable
{
    private sealed class Slot(BatchKey key)
    {
        public BatchKey Key { get; } = key;
        public TaskCompletionSource<T> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<Slot> _ordered;
    private readonly Channel<Slot> _work;
    private readonly Task _dispatcher;
    private readonly Task[] _workers;
    private bool _disposed;

    /// <summary>Starts preparing the keys in order.</summary>
    /// <param name="keys">The micro-batches to prepare, in consumption order (may be endless).</param>
    /// <param name="prepare">The CPU work for one key; called concurrently from several workers.</param>
    /// <param name="workers">Background workers, at least 1.</param>
    /// <param name="capacity">How many prepared micro-batches may wait for the consumer, at least 1.</param>
    public PrefetchQueue(IEnumerable<BatchKey> keys, Func<BatchKey, CancellationToken, T> prepare, int workers, int capacity)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(prepare);
        if (workers < 1) throw new ArgumentOutOfRangeException(nameof(workers), workers, "At least one prefetch worker is needed.");
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The prefetch capacity must be at least 1.");

        _ordered = Channel.CreateBounded<Slot>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait,
        });
        _work = Channel.CreateUnbounded<Slot>(new UnboundedChannelOptions { SingleWriter = true });
        var token = _stop.Token;
        _dispatcher = Task.Run(() => DispatchAsync(keys, token));
        _workers = new Task[workers];
        for (int i = 0; i < workers; i++) _workers[i] = Task.Run(() => WorkAsync(prepare, token));
    }

    /// <summary>
    /// Waits for the next micro-batch in key order and returns it.
    /// </summary>
    /// <exception cref="BatchPreparationException">Preparing this micro-batch failed; the key is named.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting.</exception>
    /// <exception cref="InvalidOperationException">The keys ran out.</exception>
    public (BatchKey Key, T Value) Take(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Slot slot;
        try
        {
            slot = _ordered.Reader.ReadAsync(cancellationToken).AsTask().GetAwaiter().GetResult();
        }
        catch (ChannelClosedException e)
        {
            throw new InvalidOperationException("The prefetch queue has no more micro-batches: its keys ran out.", e.InnerException ?? e);
        }
        catch (OperationCanceledException e)
        {
            throw new OperationCanceledException("Waiting for the next micro-batch was cancelled.", e, cancellationToken);
        }
        try
        {
            return (slot.Key, slot.Result.Task.WaitAsync(cancellationToken).GetAwaiter().GetResult());
        }
        catch (OperationCanceledException e)
        {
            throw new OperationCanceledException($"Waiting for {slot.Key} was cancelled.", e, cancellationToken);
        }
    }

    private async Task DispatchAsync(IEnumerable<BatchKey> keys, CancellationToken token)
    {
        Exception? failure = null;
        try
        {
            foreach (var key in keys)
            {
                var slot = new Slot(key);
                await _ordered.Writer.WriteAsync(slot, token).ConfigureAwait(false);
                await _work.Writer.WriteAsync(slot, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Disposed: nothing is waiting for more keys.
        }
        catch (Exception e)
        {
            failure = e; // the key sequence itself failed: the consumer learns it on its next Take
        }
        finally
        {
            _work.Writer.TryComplete();
            _ordered.Writer.TryComplete(failure);
        }
    }

    private async Task WorkAsync(Func<BatchKey, CancellationToken, T> prepare, CancellationToken token)
    {
        try
        {
            await foreach (var slot in _work.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                try
                {
                    slot.Result.TrySetResult(prepare(slot.Key, token));
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    slot.Result.TrySetCanceled(token);
                }
                catch (Exception e)
                {
                    slot.Result.TrySetException(new BatchPreparationException(slot.Key, e));
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Disposed while waiting for work.
        }
    }

    /// <summary>Stops the workers and waits for them (a worker finishes the key it is preparing first).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stop.Cancel();
        try
        {
            Task.WaitAll([_dispatcher, .. _workers]);
        }
        catch (AggregateException)
        {
            // Worker failures were already delivered through their slots.
        }
        _stop.Dispose();
    }
}
