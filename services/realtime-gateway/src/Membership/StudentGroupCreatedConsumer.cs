using MassTransit;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Events;
using Roomcast.Contracts.Events.Identity;
using Roomcast.RealtimeGateway.Delivery;

namespace Roomcast.RealtimeGateway.Membership;

/// <summary>Turns identity's <see cref="StudentGroupCreated"/> into <c>NEW_RECORD</c> (<c>StudentGroup</c>) for its audience.</summary>
public sealed class StudentGroupCreatedConsumer(AudienceDelivery delivery, DeliveryOrder order) : IConsumer<StudentGroupCreated>
{
    public Task Consume(ConsumeContext<StudentGroupCreated> context)
    {
        var group = context.Message;
        return delivery.SendRecordAsync(order.TurnOf(context), group.EventId, group.OutboxPosition, group.Audience, ClientEvents.NewRecord, RecordTypes.StudentGroup,
            new StudentGroupRecord(group.GroupId, group.Name, group.Version), group.Version, context.CancellationToken);
    }
}
