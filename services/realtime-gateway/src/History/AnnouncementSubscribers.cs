namespace Roomcast.RealtimeGateway.History;

/// <summary>
/// The handlers subscribed to a broker's announcements. Each is called in turn, its failure logged, so
/// one bad handler never keeps an announcement from the others. Called by one thread at a time (the
/// broker's), in seq order.
/// </summary>
internal sealed partial class AnnouncementSubscribers(ILogger logger)
{
    private readonly Lock _gate = new();
    private Action<AnnouncedEntry>[] _handlers = [];

    public IDisposable Add(Action<AnnouncedEntry> handler)
    {
        lock (_gate)
        {
            _handlers = [.. _handlers, handler];
        }
        return new Subscription(this, handler);
    }

    public void Announce(AnnouncedEntry announced)
    {
        foreach (var handler in Volatile.Read(ref _handlers))
        {
            try
            {
                handler(announced);
            }
            catch (Exception exception)
            {
                LogHandlerFailed(announced.Entry.EventId, announced.Entry.Seq, exception);
            }
        }
    }

    private void Remove(Action<AnnouncedEntry> handler)
    {
        lock (_gate)
        {
            var index = Array.IndexOf(_handlers, handler);
            if (index >= 0)
            {
                _handlers = [.. _handlers[..index], .. _handlers[(index + 1)..]];
            }
        }
    }

    [LoggerMessage(EventId = GatewayLogEvents.AnnouncementHandlerFailed, Level = LogLevel.Error, Message = "A subscriber failed to handle the announcement of event {EventId} (seq {Seq})")]
    private partial void LogHandlerFailed(Guid eventId, long seq, Exception exception);

    private sealed class Subscription(AnnouncementSubscribers subscribers, Action<AnnouncedEntry> handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                subscribers.Remove(handler);
            }
        }
    }
}
