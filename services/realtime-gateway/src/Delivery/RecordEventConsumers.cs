using MassTransit;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Events;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>Turns <see cref="RecordCreated"/> into <c>NEW_RECORD</c> for its audience.</summary>
public sealed class RecordCreatedConsumer(AudienceDelivery delivery) : IConsumer<RecordCreated>
{
    public Task Consume(ConsumeContext<RecordCreated> context)
    {
        var created = context.Message;
        return delivery.SendAsync(created.EventId, created.Audience, created.ToSelf ? null : created.OriginConnectionId, ClientEvents.NewRecord,
            new RecordMessage(created.RecordType, created.Record, created.Version, created.EventId, created.Seq), context.CancellationToken);
    }
}

/// <summary>Turns <see cref="RecordChanged"/> into <c>CHANGED_RECORD</c> for its audience.</summary>
public sealed class RecordChangedConsumer(AudienceDelivery delivery) : IConsumer<RecordChanged>
{
    public Task Consume(ConsumeContext<RecordChanged> context)
    {
        var changed = context.Message;
        return delivery.SendAsync(changed.EventId, changed.Audience, changed.ToSelf ? null : changed.OriginConnectionId, ClientEvents.ChangedRecord,
            new RecordMessage(changed.RecordType, changed.Record, changed.Version, changed.EventId, changed.Seq), context.CancellationToken);
    }
}

/// <summary>Turns <see cref="RecordDeleted"/> into <c>DELETED_RECORD</c> for its audience.</summary>
public sealed class RecordDeletedConsumer(AudienceDelivery delivery) : IConsumer<RecordDeleted>
{
    public Task Consume(ConsumeContext<RecordDeleted> context)
    {
        var deleted = context.Message;
        return delivery.SendAsync(deleted.EventId, deleted.Audience, deleted.ToSelf ? null : deleted.OriginConnectionId, ClientEvents.DeletedRecord,
            new DeletedRecordMessage(deleted.RecordType, deleted.RecordId, deleted.Cascade, deleted.EventId, deleted.Seq), context.CancellationToken);
    }
}
