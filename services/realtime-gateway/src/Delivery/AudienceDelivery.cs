using Microsoft.AspNetCore.SignalR;
using Roomcast.RealtimeGateway.Hubs;
using Roomcast.RealtimeGateway.Rooms;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>Sends one client event to every local connection in an audience, once each.</summary>
public sealed partial class AudienceDelivery(LocalRooms rooms, IHubContext<NotificationsHub> hub, ILogger<AudienceDelivery> logger)
{
    public async Task<int> SendAsync(IReadOnlyList<string> audience, string? exceptConnectionId, string clientEvent, object payload, CancellationToken cancellationToken)
    {
        var connections = rooms.ConnectionsIn(audience, exceptConnectionId);
        if (connections.Count == 0)
        {
            return 0; // nobody here listens: skip the serialisation too
        }

        await hub.Clients.Clients(connections).SendAsync(clientEvent, payload, cancellationToken);
        LogDelivered(clientEvent, connections.Count);
        return connections.Count;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Sent {ClientEvent} to {Connections} local connections")]
    private partial void LogDelivered(string clientEvent, int connections);
}
