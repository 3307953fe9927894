namespace Roomcast.Outbox;

/// <summary>Wakes the relay: set by this instance's commits and by NOTIFYs from every other instance's.</summary>
public sealed class OutboxSignal
{
    private readonly SemaphoreSlim _pending = new(0, 1);

    /// <summary>
    /// What this instance's commits send as their NOTIFY payload. The relay is woken in process by
    /// this instance's own commits already, so their NOTIFY echo is ignored: it only woke the relay a
    /// second time, often for a round that found nothing.
    /// </summary>
    public string Sender { get; } = Guid.NewGuid().ToString("N");

    private volatile bool _relayHoldsLock;

    /// <summary>
    /// Whether this instance's relay holds the relay lock: then this instance's commits wake it in
    /// process and send no NOTIFY (PostgreSQL's queue write, a signal to every listener and a read
    /// in each, for a wake-up nobody needs). Should the lock move meanwhile, the new holder's poll
    /// finds those commits.
    /// </summary>
    public bool RelayHoldsLock
    {
        get => _relayHoldsLock;
        internal set => _relayHoldsLock = value;
    }

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

    /// <summary>A NOTIFY with <paramref name="payload"/> arrived: wakes the relay unless this instance sent it.</summary>
    public void NotifiedBy(string? payload)
    {
        if (payload != Sender)
        {
            Notify();
        }
    }

    /// <summary>
    /// Forgets a pending wake-up. The relay calls it just before a round reads the waiting rows: the
    /// commits that signalled until then are visible to that read, so their wake-up would only start
    /// a round that finds nothing; a commit that signals after it wakes the relay again.
    /// </summary>
    public void Clear() => _pending.Wait(0);

    /// <summary>Waits for a signal or the timeout; returns whether it was signalled.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _pending.WaitAsync(timeout, cancellationToken);
}
