using MassTransit;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Events;
using Roomcast.Contracts.Events.Identity;
using Roomcast.RealtimeGateway.Delivery;

namespace Roomcast.RealtimeGateway.Membership;

/// <summary>Turns identity's <see cref="UserChanged"/> into <c>CHANGED_RECORD</c> (<c>User</c>) for its audience.</summary>
public sealed class UserChangedConsumer(AudienceDelivery delivery, DeliveryOrder order) : IConsumer<UserChanged>
{
    public Task Consume(ConsumeContext<UserChanged> context)
    {
        var user = context.Message;
        return delivery.SendRecordAsync(order.TurnOf(context), user.EventId, user.OutboxPosition, user.Audience, ClientEvents.ChangedRecord, RecordTypes.User,
            new UserRecord(user.UserId, user.Username, user.IsAdmin, user.Version), user.Version, context.CancellationToken);
    }
}
