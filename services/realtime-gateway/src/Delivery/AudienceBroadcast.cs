using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Roomcast.RealtimeGateway.Backplane;
using Roomcast.RealtimeGateway.History;
using Roomcast.RealtimeGateway.Connections;
using Roomcast.RealtimeGateway.Rooms;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>
/// Carries an event for an audience of rooms to the other gateway instances in one message on
/// <c>{prefix}:audience</c>, published by the history as it gives the event its seq
/// (<see cref="HistoryAnnouncement"/>): the message is the event's history entry, so each instance
/// builds the client message as a resume would and resolves the rooms against its own
/// <see cref="LocalRooms"/>; a connection gets the event once however many of the rooms it is in, and the
/// origin connection is skipped. Pub/sub is at most once: an instance that is cut off from Redis misses
/// what is published meanwhile (its clients recover with <c>Resume</c>).
/// </summary>
public sealed partial class AudienceBroadcast : IAsyncDisposable
{
    private readonly BackplaneRedis _redis;
    private readonly LocalConnections _connections;
    private readonly LocalRooms _rooms;
    private readonly RecentEvents _recent;
    private readonly BackplaneMetrics _metrics;
    private readonly SeqHighWater _highWater;
    private readonly ILogger<AudienceBroadcast> _logger;
    private readonly ChannelSubscriptions _subscriptions;
    private readonly Task _subscribed;

    public AudienceBroadcast(
        BackplaneRedis redis,
        LocalConnections connections,
        LocalRooms rooms,
        RecentEvents recent,
        BackplaneMetrics metrics,
        SeqHighWater highWater,
        ILogger<AudienceBroadcast> logger)
    {
        _highWater = highWater;
        _redis = redis;
        _connections = connections;
        _rooms = rooms;
        _recent = recent;
        _metrics = metrics;
        _logger = logger;
        _subscriptions = new ChannelSubscriptions(redis, logger);
        _subscribed = _subscriptions.SubscribeAsync(redis.Channels.Audience, OnAudience);
    }

    /// <summary>
    /// Where and how the history announces an event to the other instances as it appends it
    /// (<see cref="IEventHistory.AppendAsync"/>). Waits for this instance's own subscription first, so an
    /// instance never sends on a channel it does not hear yet.
    /// </summary>
    public async Task<HistoryAnnouncement> AnnouncementAsync(string? exceptConnectionId)
    {
        await _subscribed.ConfigureAwait(false);
        return new HistoryAnnouncement(_redis.Channels.Audience, BackplaneFraming.AnnouncementHead(_redis.ServerName, exceptConnectionId));
    }

    /// <summary>Logs and counts an announcement that Redis could not take (the event is retried).</summary>
    public void AnnouncementFailed(Exception exception)
    {
        _metrics.PublishFailed("audience");
        _logger.PublishFailed("audience", _redis.Channels.Audience, exception.Message);
    }

    /// <summary>Completes once the audience channel is subscribed (or the wait is cancelled; a subscription made while Redis is away completes later).</summary>
    public Task SubscribedAsync(CancellationToken cancellationToken) => _subscribed.WaitAsync(cancellationToken);

    public ValueTask DisposeAsync() => _subscriptions.DisposeAsync();

    private void OnAudience(string channel, ReadOnlyMemory<byte> frame)
    {
        try
        {
            var announced = BackplaneFraming.ReadAnnounced(frame);
            if (announced.Origin == _redis.ServerName)
            {
                return; // sent here already; not worth parsing
            }
            var entry = HistoryEntry.FromAnnounced(announced.Entry.Span);
            _highWater.Observe(entry.Seq);
            if (Deliver(announced.Origin, entry.EventId, entry.Audience, announced.ExceptConnectionId,
                    () => new SerializedHubMessage(new InvocationMessage(entry.Event, [entry.ClientPayload()]))) is { } connections)
            {
                LogReceived(entry.EventId, entry.Seq, announced.Origin, connections);
            }
        }
        catch (Exception exception)
        {
            _logger.HandlerFailed(channel, exception);
        }
    }

    /// <summary>
    /// Writes the event to the local connections in its rooms unless it was sent here already (by this
    /// instance, or an earlier copy); returns how many it reached, or null when it was skipped.
    /// </summary>
    private int? Deliver(string origin, Guid eventId, IReadOnlyList<string> rooms, string? exceptConnectionId, Func<SerializedHubMessage> message)
    {
        if (origin == _redis.ServerName || !_recent.TryMark(eventId))
        {
            return null;
        }
        var connections = _rooms.ConnectionsIn(rooms, exceptConnectionId);
        return connections.Count > 0 ? _connections.Write(connections, message()) : 0;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Event {EventId} (seq {Seq}) from instance {Origin} reached {Connections} local connections")]
    private partial void LogReceived(Guid eventId, long seq, string origin, int connections);
}
