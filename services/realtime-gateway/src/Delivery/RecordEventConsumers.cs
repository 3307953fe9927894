using MassTransit;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Events;
using Roomcast.RealtimeGateway.Access;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>Turns <see cref="RecordCreated"/> into <c>NEW_RECORD</c> for its audience.</summary>
public sealed class RecordCreatedConsumer(AudienceDelivery delivery, DeliveryOrder order) : IConsumer<RecordCreated>
{
    public Task Consume(ConsumeContext<RecordCreated> context)
    {
        var created = context.Message;
        return delivery.SendAsync(order.TurnOf(context), created.EventId, created.OutboxPosition, created.Audience, created.ToSelf ? null : created.OriginConnectionId, ClientEvents.NewRecord,
            (seq, epoch) => new RecordMessage(created.RecordType, created.Record, created.Version, created.EventId, seq, epoch), context.CancellationToken);
    }
}

/// <summary>Turns <see cref="RecordChanged"/> into <c>CHANGED_RECORD</c> for its audience; a changed grant or root may take readers out of its <c>root:</c> room first.</summary>
public sealed class RecordChangedConsumer(AudienceDelivery delivery, DeliveryOrder order, IRootAccessChanges access) : IConsumer<RecordChanged>
{
    public async Task Consume(ConsumeContext<RecordChanged> context)
    {
        var changed = context.Message;
        var turn = order.TurnOf(context);
        await turn.EarlierEventsDeliveredAsync(context.CancellationToken);
        await access.RecordEventAsync(changed.RecordType, changed.Audience, context.CancellationToken);
        await delivery.SendAsync(turn, changed.EventId, changed.OutboxPosition, changed.Audience, changed.ToSelf ? null : changed.OriginConnectionId, ClientEvents.ChangedRecord,
            (seq, epoch) => new RecordMessage(changed.RecordType, changed.Record, changed.Version, changed.EventId, seq, epoch), context.CancellationToken);
    }
}

/// <summary>Turns <see cref="RecordDeleted"/> into <c>DELETED_RECORD</c> for its audience; a deleted grant or root takes readers out of its <c>root:</c> room first.</summary>
public sealed class RecordDeletedConsumer(AudienceDelivery delivery, DeliveryOrder order, IRootAccessChanges access) : IConsumer<RecordDeleted>
{
    public async Task Consume(ConsumeContext<RecordDeleted> context)
    {
        var deleted = context.Message;
        var turn = order.TurnOf(context);
        await turn.EarlierEventsDeliveredAsync(context.CancellationToken);
        await access.RecordEventAsync(deleted.RecordType, deleted.Audience, context.CancellationToken);
        await delivery.SendAsync(turn, deleted.EventId, deleted.OutboxPosition, deleted.Audience, deleted.ToSelf ? null : deleted.OriginConnectionId, ClientEvents.DeletedRecord,
            (seq, epoch) => new DeletedRecordMessage(deleted.RecordType, deleted.RecordId, deleted.Cascade, deleted.EventId, seq, epoch), context.CancellationToken);
    }
}
