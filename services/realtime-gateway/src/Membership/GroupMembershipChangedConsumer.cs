using MassTransit;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Events;
using Roomcast.Contracts.Events.Identity;
using Roomcast.RealtimeGateway.Access;
using Roomcast.RealtimeGateway.Delivery;
using Roomcast.RealtimeGateway.History;

namespace Roomcast.RealtimeGateway.Membership;

/// <summary>
/// Turns identity's <see cref="GroupMembershipChanged"/> into <c>NEW_RECORD</c> or <c>CHANGED_RECORD</c>
/// (<c>GroupMembership</c>) for its audience, after the projection applies it and the user's live
/// connections join or leave the group's room on every instance (and, for a removal, root access hears
/// of it). Every step is safe to repeat on redelivery.
/// </summary>
public sealed partial class GroupMembershipChangedConsumer(
    IMembershipProjection projection,
    GroupRoomMoves moves,
    IRootAccessChanges access,
    AudienceDelivery delivery,
    DeliveryOrder order,
    RoomGains gains,
    ILogger<GroupMembershipChangedConsumer> logger) : IConsumer<GroupMembershipChanged>
{
    public async Task Consume(ConsumeContext<GroupMembershipChanged> context)
    {
        var changed = context.Message;
        var cancellationToken = context.CancellationToken;
        var added = changed.Change == MembershipChange.Added;
        var turn = order.TurnOf(context);
        await turn.EarlierEventsDeliveredAsync(cancellationToken);
        // The state after applying, not the event's own: a stale replay re-asserts the current state,
        // which also repairs a move a failed earlier attempt did not finish.
        var isMember = await projection.ApplyMembershipAsync(changed.GroupId, changed.UserId, added, changed.MembershipVersion, cancellationToken);
        // Before the move, so Resume never reaches back before the addition (History/RoomGains).
        await gains.MembershipAsync(changed.EventId, changed.UserId, changed.GroupId, isMember, cancellationToken);
        await moves.MoveAsync(changed.GroupId, [changed.UserId], joined: isMember);
        if (!isMember)
        {
            await access.UserLeftGroupAsync(changed.UserId, changed.GroupId, changed.MembershipVersion, cancellationToken);
        }

        LogMembershipApplied(changed.EventId, changed.GroupId, changed.UserId, changed.Change, changed.MembershipVersion, isMember);
        await delivery.SendRecordAsync(turn, changed.EventId, changed.OutboxPosition, changed.Audience, added ? ClientEvents.NewRecord : ClientEvents.ChangedRecord,
            RecordTypes.GroupMembership, new GroupMembershipRecord(changed.GroupId, changed.UserId, added, changed.MembershipVersion),
            changed.MembershipVersion, cancellationToken);
    }

    [LoggerMessage(EventId = GatewayLogEvents.MembershipApplied, Level = LogLevel.Information,
        Message = "Event {EventId}: membership of user {UserId} in group {GroupId} {Change} at version {MembershipVersion}; member now: {IsMember}")]
    private partial void LogMembershipApplied(Guid eventId, Guid groupId, Guid userId, MembershipChange change, long membershipVersion, bool isMember);
}
