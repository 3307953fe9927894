using MassTransit;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Events;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>Turns <see cref="DocumentChanged"/> into <c>CHANGED_DOCUMENT</c> for its audience, skipping the origin connection unless the event asks for the echo.</summary>
public sealed partial class DocumentChangedConsumer(AudienceDelivery delivery, DeliveryOrder order, ILogger<DocumentChangedConsumer> logger) : IConsumer<DocumentChanged>
{
    public async Task Consume(ConsumeContext<DocumentChanged> context)
    {
        var changed = context.Message;
        var except = changed.ToSelf ? null : changed.OriginConnectionId;
        var delivered = await delivery.SendAsync(order.TurnOf(context), changed.EventId, changed.OutboxPosition, changed.Audience, except, changed.ActorId, ClientEvents.ChangedDocument,
            (seq, epoch) => new ChangedDocumentMessage(changed.DocumentId, changed.Data, changed.UpdatedAt, changed.Version, changed.EventId, seq, epoch), context.CancellationToken);
        LogConsumed(changed.EventId, changed.OutboxPosition, changed.DocumentId, delivered);
    }

    [LoggerMessage(EventId = GatewayLogEvents.DocumentChangedConsumed, Level = LogLevel.Debug, Message = "Event {EventId} (outbox position {OutboxPosition}, document {DocumentId}) reached {Connections} local connections")]
    private partial void LogConsumed(Guid eventId, long outboxPosition, Guid documentId, int connections);
}
