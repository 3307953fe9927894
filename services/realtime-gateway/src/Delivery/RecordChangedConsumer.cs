using MassTransit;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Events;
using Roomcast.RealtimeGateway.Access;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>Turns <see cref="RecordChanged"/> into <c>CHANGED_RECORD</c> for its audience; a changed grant or root may take readers out of its <c>root:</c> room first.</summary>
public sealed class RecordChangedConsumer(AudienceDelivery delivery, DeliveryOrder order, IRootAccessChanges access) : IConsumer<RecordChanged>
{
    public async Task Consume(ConsumeContext<RecordChanged> context)
    {
        var changed = context.Message;
        var turn = order.TurnOf(context);
        await turn.EarlierEventsDeliveredAsync(context.CancellationToken);
        await access.RecordEventAsync(changed.RecordType, changed.Audience, context.CancellationToken);
        await delivery.SendAsync(turn, changed.EventId, changed.OutboxPosition, changed.Audience, changed.ToSelf ? null : changed.OriginConnectionId, changed.ActorId, ClientEvents.ChangedRecord,
            (seq, epoch) => new RecordMessage(changed.RecordType, changed.Record, changed.Version, changed.EventId, seq, epoch), context.CancellationToken);
    }
}
