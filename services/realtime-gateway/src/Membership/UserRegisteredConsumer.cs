using MassTransit;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Events;
using Roomcast.Contracts.Events.Identity;
using Roomcast.RealtimeGateway.Delivery;

namespace Roomcast.RealtimeGateway.Membership;

/// <summary>Turns identity's <see cref="UserRegistered"/> into <c>NEW_RECORD</c> (<c>User</c>) for its audience.</summary>
public sealed class UserRegisteredConsumer(AudienceDelivery delivery, DeliveryOrder order) : IConsumer<UserRegistered>
{
    public Task Consume(ConsumeContext<UserRegistered> context)
    {
        var user = context.Message;
        return delivery.SendRecordAsync(order.TurnOf(context), user.EventId, user.OutboxPosition, user.Audience, ClientEvents.NewRecord, RecordTypes.User,
            new UserRecord(user.UserId, user.Username, user.IsAdmin, user.Version), user.Version, context.CancellationToken);
    }
}
