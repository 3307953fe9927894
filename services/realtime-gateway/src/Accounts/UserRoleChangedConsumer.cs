using MassTransit;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Events;
using Roomcast.Contracts.Events.Identity;
using Roomcast.RealtimeGateway.Delivery;

namespace Roomcast.RealtimeGateway.Accounts;

/// <summary>Applies identity's <see cref="UserRoleChanged"/> to the user's role (<see cref="UserRoles"/>), then turns it into <c>CHANGED_RECORD</c> (<c>User</c>) for its audience.</summary>
public sealed class UserRoleChangedConsumer(UserRoles roles, AudienceDelivery delivery, DeliveryOrder order) : IConsumer<UserRoleChanged>
{
    public async Task Consume(ConsumeContext<UserRoleChanged> context)
    {
        var user = context.Message;
        var turn = order.TurnOf(context);
        await roles.ApplyAsync(turn, user.EventId, user.UserId, user.IsAdmin, user.Version, context.CancellationToken);
        await delivery.SendRecordAsync(turn, user.EventId, user.OutboxPosition, user.Audience, ClientEvents.ChangedRecord, RecordTypes.User,
            new UserRecord(user.UserId, user.Username, user.IsAdmin, user.Version), user.Version, context.CancellationToken);
    }
}
