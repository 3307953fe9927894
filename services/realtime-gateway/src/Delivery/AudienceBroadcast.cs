using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Roomcast.RealtimeGateway.Connections;
using Roomcast.RealtimeGateway.History;
using Roomcast.RealtimeGateway.Rooms;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>
/// Writes the events other instances append to this instance's connections: subscribed to the
/// <see cref="IEventBroker"/> from the start of the gateway (an instance that does not consume events
/// still delivers what the others announce), it builds the client message from the announced history
/// entry as a resume would and resolves its rooms against this instance's <see cref="LocalRooms"/>; a
/// connection gets the event once however many of the rooms it is in, and the origin connection is
/// skipped when it is the actor's. This instance's own announcements are skipped: <see cref="AudienceDelivery"/> wrote them here
/// already. Live delivery is at most once (see <see cref="IEventBroker"/>); clients recover with <c>Resume</c>.
/// </summary>
public sealed partial class AudienceBroadcast(
    IEventBroker broker,
    LocalConnections connections,
    LocalRooms rooms,
    RecentEvents recent,
    ILogger<AudienceBroadcast> logger) : IHostedService
{
    private IDisposable? _subscription;

    /// <summary>Completes once the subscription is in place (or pending while Redis is away).</summary>
    public async Task StartAsync(CancellationToken cancellationToken) =>
        _subscription = await broker.SubscribeAsync(OnAnnounced, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    private void OnAnnounced(AnnouncedEntry announced)
    {
        var entry = announced.Entry;
        if (announced.Origin == broker.Instance || !recent.TryMark(entry.EventId))
        {
            return; // sent here already, by this instance or as an earlier copy
        }
        var audienceHere = rooms.ConnectionsIn(entry.Audience, rooms.OwnConnectionOf(announced.ActorId, announced.ExceptConnectionId));
        var reached = audienceHere.Count > 0
            ? connections.Write(audienceHere, new SerializedHubMessage(new InvocationMessage(entry.Event, [entry.ClientPayload()])))
            : 0;
        LogReceived(entry.EventId, entry.Seq, announced.Origin, reached);
    }

    [LoggerMessage(EventId = GatewayLogEvents.BroadcastReceived, Level = LogLevel.Debug, Message = "Event {EventId} (seq {Seq}) from instance {Origin} reached {Connections} local connections")]
    private partial void LogReceived(Guid eventId, long seq, string origin, int connections);
}
