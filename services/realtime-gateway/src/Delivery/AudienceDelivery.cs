using Microsoft.AspNetCore.SignalR;
using Roomcast.RealtimeGateway.Hubs;
using Roomcast.RealtimeGateway.Rooms;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>
/// Sends one client event to every connection in an audience, once each: the local connections at once
/// (never twice for the same event id, see <see cref="RecentEvents"/>), and, with a backplane, the
/// connections of every other instance through <see cref="AudienceBroadcast"/>. When the other
/// instances cannot be reached it throws after the local delivery, so the bus retries the event.
/// </summary>
public sealed partial class AudienceDelivery(
    LocalRooms rooms,
    IHubContext<NotificationsHub> hub,
    RecentEvents recent,
    ILogger<AudienceDelivery> logger,
    AudienceBroadcast? broadcast = null)
{
    /// <param name="sourceSeq">The seq the event's outbox gave it.</param>
    /// <param name="payload">Builds the client message with the seq clients see.</param>
    /// <returns>How many local connections received the event now.</returns>
    public async Task<int> SendAsync(Guid eventId, long sourceSeq, IReadOnlyList<string> audience, string? exceptConnectionId, string clientEvent, Func<long, object> payload, CancellationToken cancellationToken)
    {
        var message = payload(sourceSeq);
        var delivered = 0;
        if (recent.TryMark(eventId))
        {
            var connections = rooms.ConnectionsIn(audience, exceptConnectionId);
            if (connections.Count > 0)
            {
                await hub.Clients.Clients(connections).SendAsync(clientEvent, message, cancellationToken);
                delivered = connections.Count;
            }
            LogDelivered(eventId, clientEvent, delivered);
        }
        else
        {
            LogDuplicate(eventId);
        }

        if (broadcast is not null)
        {
            await broadcast.PublishAsync(eventId, audience, exceptConnectionId, clientEvent, message);
        }
        return delivered;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Sent event {EventId} as {ClientEvent} to {Connections} local connections")]
    private partial void LogDelivered(Guid eventId, string clientEvent, int connections);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Event {EventId} reached the local connections before; only the other instances are sent it again")]
    private partial void LogDuplicate(Guid eventId);
}
