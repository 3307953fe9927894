using MassTransit;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Events;
using Roomcast.Contracts.Events.Identity;
using Roomcast.RealtimeGateway.Delivery;

namespace Roomcast.RealtimeGateway.Membership;

/// <summary>Turns identity's <see cref="UserRoleChanged"/> into <c>CHANGED_RECORD</c> (<c>User</c>) for its audience.</summary>
public sealed class UserRoleChangedConsumer(AudienceDelivery delivery, DeliveryOrder order) : IConsumer<UserRoleChanged>
{
    public Task Consume(ConsumeContext<UserRoleChanged> context)
    {
        var user = context.Message;
        return delivery.SendRecordAsync(order.TurnOf(context), user.EventId, user.OutboxPosition, user.Audience, ClientEvents.ChangedRecord, RecordTypes.User,
            new UserRecord(user.UserId, user.Username, user.IsAdmin, user.Version), user.Version, context.CancellationToken);
    }
}
