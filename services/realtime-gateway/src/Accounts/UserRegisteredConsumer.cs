using MassTransit;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Events;
using Roomcast.Contracts.Events.Identity;
using Roomcast.RealtimeGateway.Delivery;

namespace Roomcast.RealtimeGateway.Accounts;

/// <summary>Applies identity's <see cref="UserRegistered"/> to the user's role (<see cref="UserRoles"/>), then turns it into <c>NEW_RECORD</c> (<c>User</c>) for its audience.</summary>
public sealed class UserRegisteredConsumer(UserRoles roles, AudienceDelivery delivery, DeliveryOrder order) : IConsumer<UserRegistered>
{
    public async Task Consume(ConsumeContext<UserRegistered> context)
    {
        var user = context.Message;
        var turn = order.TurnOf(context);
        await roles.ApplyAsync(turn, user.EventId, user.UserId, user.IsAdmin, user.Version, context.CancellationToken);
        await delivery.SendRecordAsync(turn, user.EventId, user.OutboxPosition, user.Audience, ClientEvents.NewRecord, RecordTypes.User,
            new UserRecord(user.UserId, user.Username, user.IsAdmin, user.Version), user.Version, context.CancellationToken);
    }
}
