using MassTransit;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Events;
using Roomcast.RealtimeGateway.Access;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>Turns <see cref="RecordDeleted"/> into <c>DELETED_RECORD</c> for its audience; a deleted grant or root takes readers out of its <c>root:</c> room first.</summary>
public sealed class RecordDeletedConsumer(AudienceDelivery delivery, DeliveryOrder order, IRootAccessChanges access) : IConsumer<RecordDeleted>
{
    public async Task Consume(ConsumeContext<RecordDeleted> context)
    {
        var deleted = context.Message;
        var turn = order.TurnOf(context);
        await turn.EarlierEventsDeliveredAsync(context.CancellationToken);
        await access.RecordEventAsync(deleted.RecordType, deleted.Audience, context.CancellationToken);
        await delivery.SendAsync(turn, deleted.EventId, deleted.OutboxPosition, deleted.Audience, deleted.ToSelf ? null : deleted.OriginConnectionId, deleted.ActorId, ClientEvents.DeletedRecord,
            (seq, epoch) => new DeletedRecordMessage(deleted.RecordType, deleted.RecordId, deleted.Cascade, deleted.EventId, seq, epoch), context.CancellationToken);
    }
}
