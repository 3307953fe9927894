using MassTransit;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Events;
using Roomcast.Contracts.Events.Identity;
using Roomcast.RealtimeGateway.Delivery;

namespace Roomcast.RealtimeGateway.Membership;

/// <summary>Turns identity's <see cref="StudentGroupChanged"/> into <c>CHANGED_RECORD</c> (<c>StudentGroup</c>) for its audience.</summary>
public sealed class StudentGroupChangedConsumer(AudienceDelivery delivery, DeliveryOrder order) : IConsumer<StudentGroupChanged>
{
    public Task Consume(ConsumeContext<StudentGroupChanged> context)
    {
        var group = context.Message;
        return delivery.SendRecordAsync(order.TurnOf(context), group.EventId, group.OutboxPosition, group.Audience, ClientEvents.ChangedRecord, RecordTypes.StudentGroup,
            new StudentGroupRecord(group.GroupId, group.Name, group.Version), group.Version, context.CancellationToken);
    }
}
