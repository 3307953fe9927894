using System.Diagnostics;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Roomcast.RealtimeGateway.Connections;
using Roomcast.RealtimeGateway.History;
using Roomcast.RealtimeGateway.Rooms;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>
/// Sends one client event to every connection in an audience, once each. First the event is appended
/// through the <see cref="IEventBroker"/>, which gives it the <c>seq</c> clients see, recognises an event
/// id seen before on any instance (a copy of an event that reached everyone is dropped outright; a copy
/// of one whose delivery was cut short is sent again with the same seq) and, in the same step, announces
/// it to every instance (their <see cref="AudienceBroadcast"/> writes it to their connections; with Redis,
/// one round trip for all of it). Then the local connections get it (never twice for the same event id, see
/// <see cref="RecentEvents"/>), and the broker marks it delivered. When the broker cannot be reached it
/// throws, and this instance gives up its consumer turn (<see cref="ConsumerTurn"/>). Local connections are written
/// through their <see cref="ConnectionOutbox"/>: a slow one never holds up the others or the next event. Several events are in flight at
/// once; each of these three steps waits until the events delivered before it have taken it
/// (<see cref="DeliveryTurn"/>), so seqs rise in delivery order and every connection receives in that order.
/// A delivery is a span (<see cref="ActivitySourceName"/>) in the trace the event carries from the change that made it.
/// </summary>
public sealed partial class AudienceDelivery(
    LocalRooms rooms,
    LocalConnections connections,
    RecentEvents recent,
    IEventBroker broker,
    DeliveryTimings timings,
    DeliveryMetrics metrics,
    ILogger<AudienceDelivery> logger)
{
    public const string ActivitySourceName = "Roomcast.RealtimeGateway.Delivery";

    private static readonly ActivitySource Activities = new(ActivitySourceName);

    /// <param name="turn">The event's place in the delivery order: each step waits for the events before it.</param>
    /// <param name="outboxPosition">The event's <c>OutboxPosition</c>, where its producer's outbox published it: logged only; clients see the history's seq.</param>
    /// <param name="exceptConnectionId">The origin connection to skip, named by the event; skipped only when it is <paramref name="actorId"/>'s.</param>
    /// <param name="actorId">The user who made the change.</param>
    /// <param name="payload">Builds the client message with the position (seq, epoch) clients see.</param>
    /// <returns>How many local connections received the event now.</returns>
    public async Task<int> SendAsync(DeliveryTurn turn, Guid eventId, long outboxPosition, IReadOnlyList<string> audience, string? exceptConnectionId, Guid actorId, string clientEvent, Func<long, string, object> payload, CancellationToken cancellationToken)
    {
        using var activity = Activities.StartActivity($"{clientEvent} deliver");
        activity?.SetTag("messaging.message.id", eventId);
        var started = Stopwatch.GetTimestamp();
        var waited = await WaitAsync(turn, DeliveryStep.Appended, cancellationToken);
        var appended = await broker.AppendAsync(
            new HistoryEntry(0, eventId, clientEvent, audience, HistoryEntry.PayloadOf(payload(0, ""))), new Announcement(exceptConnectionId, actorId), cancellationToken);
        turn.Pass(DeliveryStep.Appended);
        started = Timed(DeliveryStage.History, started, waited);
        if (appended.Outcome == AppendOutcome.Delivered)
        {
            turn.Pass(DeliveryStep.SentLocally);
            turn.Pass(DeliveryStep.Delivered);
            LogDeliveredBefore(eventId, outboxPosition, appended.Seq);
            return 0;
        }
        if (appended.Outcome == AppendOutcome.Pending)
        {
            LogSendingAgain(eventId, outboxPosition, appended.Seq);
        }

        var message = payload(appended.Seq, appended.Epoch);
        var delivered = 0;
        waited = await WaitAsync(turn, DeliveryStep.SentLocally, cancellationToken);
        if (recent.TryMark(eventId))
        {
            var audienceHere = rooms.ConnectionsIn(audience, rooms.OwnConnectionOf(actorId, exceptConnectionId));
            if (audienceHere.Count > 0)
            {
                delivered = connections.Write(audienceHere, new SerializedHubMessage(new InvocationMessage(clientEvent, [message])));
            }
            metrics.Sent(clientEvent, delivered);
            LogDelivered(eventId, clientEvent, appended.Seq, delivered);
        }
        else
        {
            LogDuplicate(eventId);
        }
        turn.Pass(DeliveryStep.SentLocally);
        started = Timed(DeliveryStage.LocalSend, started, waited);

        waited = await WaitAsync(turn, DeliveryStep.Delivered, cancellationToken);
        await broker.MarkDeliveredAsync(eventId, appended.Seq, cancellationToken);
        turn.Pass(DeliveryStep.Delivered);
        Timed(DeliveryStage.Complete, started, waited);
        activity?.SetTag("roomcast.delivery.connections", delivered);
        return delivered;
    }

    /// <summary>Waits for the events before this one to take <paramref name="step"/>; returns how long that took (in timestamp ticks), recorded as <see cref="DeliveryStage.Turn"/>.</summary>
    private async Task<long> WaitAsync(DeliveryTurn turn, DeliveryStep step, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await turn.WaitAsync(step, cancellationToken);
        var waited = Stopwatch.GetTimestamp() - started;
        timings.Record(DeliveryStage.Turn, Stopwatch.GetElapsedTime(0, waited).TotalMilliseconds);
        return waited;
    }

    /// <summary>Records the stage that started at <paramref name="started"/>, less the <paramref name="waited"/> turn; returns now, when the next one starts.</summary>
    private long Timed(DeliveryStage stage, long started, long waited)
    {
        var now = Stopwatch.GetTimestamp();
        timings.Record(stage, Stopwatch.GetElapsedTime(started + waited, now).TotalMilliseconds);
        return now;
    }

    [LoggerMessage(EventId = GatewayLogEvents.AudienceDelivered, Level = LogLevel.Debug, Message = "Sent event {EventId} as {ClientEvent} with seq {Seq} to {Connections} local connections")]
    private partial void LogDelivered(Guid eventId, string clientEvent, long seq, int connections);

    [LoggerMessage(EventId = GatewayLogEvents.AudienceDuplicate, Level = LogLevel.Information, Message = "Event {EventId} reached the local connections before; only the other instances are sent it again")]
    private partial void LogDuplicate(Guid eventId);

    [LoggerMessage(EventId = GatewayLogEvents.AudienceDeliveredBefore, Level = LogLevel.Information, Message = "Event {EventId} (outbox position {OutboxPosition}) was delivered before as seq {Seq}; this copy is dropped")]
    private partial void LogDeliveredBefore(Guid eventId, long outboxPosition, long seq);

    [LoggerMessage(EventId = GatewayLogEvents.AudienceSendingAgain, Level = LogLevel.Warning, Message = "Event {EventId} (outbox position {OutboxPosition}) was appended before as seq {Seq} but its delivery did not finish; sending it again with that seq")]
    private partial void LogSendingAgain(Guid eventId, long outboxPosition, long seq);
}
