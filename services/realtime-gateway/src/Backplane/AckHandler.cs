using System.Collections.Concurrent;

namespace Roomcast.RealtimeGateway.Backplane;

/// <summary>Waits for the acknowledgements of group commands sent to other instances, each for at most a timeout.</summary>
internal sealed class AckHandler(TimeSpan timeout) : IDisposable
{
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _pending = new();
    private int _lastId;

    public TimeSpan Timeout { get; } = timeout;

    /// <summary>A new command id, and a task that completes when it is acknowledged or fails with <see cref="TimeoutException"/> after <see cref="Timeout"/>.</summary>
    public (int Id, Task Acknowledged) Create()
    {
        var id = Interlocked.Increment(ref _lastId);
        var acknowledged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = acknowledged;
        return (id, WaitAsync(id, acknowledged.Task));
    }

    public void Acknowledge(int id)
    {
        if (_pending.TryRemove(id, out var acknowledged))
        {
            acknowledged.TrySetResult();
        }
    }

    /// <summary>Stops waiting for <paramref name="id"/> (its command could not be sent).</summary>
    public void Forget(int id) => _pending.TryRemove(id, out _);

    public void Dispose()
    {
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var acknowledged))
            {
                acknowledged.TrySetException(new ObjectDisposedException(nameof(AckHandler)));
            }
        }
    }

    private async Task WaitAsync(int id, Task acknowledged)
    {
        try
        {
            await acknowledged.WaitAsync(Timeout).ConfigureAwait(false);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }
}
