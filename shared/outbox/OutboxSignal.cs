namespace Roomcast.Outbox;

/// <summary>Wakes the relay: set by this instance's commits and by NOTIFYs from every instance's.</summary>
public sealed class OutboxSignal
{
    private readonly SemaphoreSlim _pending = new(0, 1);

    public void Notify()
    {
        // One pending wake-up is enough: the relay drains everything committed when it runs.
        try
        {
            _pending.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    /// <summary>Waits for a signal or the timeout; returns whether it was signalled.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _pending.WaitAsync(timeout, cancellationToken);
}
