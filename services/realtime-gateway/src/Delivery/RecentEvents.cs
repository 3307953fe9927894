namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>
/// The ids of the last <see cref="Capacity"/> events this instance delivered to its connections, so a
/// retried or redelivered event, or one that reaches it twice through the backplane, is not sent to a
/// client twice. The window is a count, not a time: a duplicate that arrives after more than
/// <see cref="Capacity"/> newer events is delivered again (clients still drop it by <c>eventId</c> and <c>seq</c>).
/// </summary>
public sealed class RecentEvents
{
    public const int Capacity = 4096;

    private readonly HashSet<Guid> _seen = [];
    private readonly Queue<Guid> _order = new();
    private readonly Lock _gate = new();

    /// <summary><c>true</c> the first time <paramref name="eventId"/> is seen within the window.</summary>
    public bool TryMark(Guid eventId)
    {
        lock (_gate)
        {
            if (!_seen.Add(eventId))
            {
                return false;
            }
            _order.Enqueue(eventId);
            if (_order.Count > Capacity)
            {
                _seen.Remove(_order.Dequeue());
            }
            return true;
        }
    }
}
