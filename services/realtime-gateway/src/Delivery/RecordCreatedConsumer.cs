using MassTransit;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Events;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>Turns <see cref="RecordCreated"/> into <c>NEW_RECORD</c> for its audience.</summary>
public sealed class RecordCreatedConsumer(AudienceDelivery delivery, DeliveryOrder order) : IConsumer<RecordCreated>
{
    public Task Consume(ConsumeContext<RecordCreated> context)
    {
        var created = context.Message;
        return delivery.SendAsync(order.TurnOf(context), created.EventId, created.OutboxPosition, created.Audience, created.ToSelf ? null : created.OriginConnectionId, created.ActorId, ClientEvents.NewRecord,
            (seq, epoch) => new RecordMessage(created.RecordType, created.Record, created.Version, created.EventId, seq, epoch), context.CancellationToken);
    }
}
