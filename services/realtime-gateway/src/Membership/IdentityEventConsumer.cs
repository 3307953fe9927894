using System.Text.Json;
using MassTransit;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Events;
using Roomcast.Contracts.Events.Identity;
using Roomcast.RealtimeGateway.Access;
using Roomcast.RealtimeGateway.Delivery;

namespace Roomcast.RealtimeGateway.Membership;

/// <summary>
/// identity's events, on the same endpoint as documents-api's so they keep their place in one order:
/// a membership change or group deletion first updates the projection and moves the users' live
/// connections on every instance (and, for a removal, tells root access), then every event reaches its
/// audience as a record event, like documents-api's. Every step is safe to repeat on redelivery.
/// </summary>
public sealed partial class IdentityEventConsumer(
    IMembershipProjection projection,
    GroupRoomMoves moves,
    IRootAccessChanges access,
    AudienceDelivery delivery,
    DeliveryOrder order,
    ILogger<IdentityEventConsumer> logger) :
    IConsumer<UserRegistered>,
    IConsumer<UserChanged>,
    IConsumer<UserRoleChanged>,
    IConsumer<StudentGroupCreated>,
    IConsumer<StudentGroupChanged>,
    IConsumer<StudentGroupDeleted>,
    IConsumer<GroupMembershipChanged>
{
    public Task Consume(ConsumeContext<UserRegistered> context)
    {
        var user = context.Message;
        return SendRecordAsync(order.TurnOf(context), user.EventId, user.OutboxPosition, user.Audience, ClientEvents.NewRecord, RecordTypes.User,
            new UserRecord(user.UserId, user.Username, user.IsAdmin, user.Version), user.Version, context.CancellationToken);
    }

    public Task Consume(ConsumeContext<UserChanged> context)
    {
        var user = context.Message;
        return SendRecordAsync(order.TurnOf(context), user.EventId, user.OutboxPosition, user.Audience, ClientEvents.ChangedRecord, RecordTypes.User,
            new UserRecord(user.UserId, user.Username, user.IsAdmin, user.Version), user.Version, context.CancellationToken);
    }

    public Task Consume(ConsumeContext<UserRoleChanged> context)
    {
        var user = context.Message;
        return SendRecordAsync(order.TurnOf(context), user.EventId, user.OutboxPosition, user.Audience, ClientEvents.ChangedRecord, RecordTypes.User,
            new UserRecord(user.UserId, user.Username, user.IsAdmin, user.Version), user.Version, context.CancellationToken);
    }

    public Task Consume(ConsumeContext<StudentGroupCreated> context)
    {
        var group = context.Message;
        return SendRecordAsync(order.TurnOf(context), group.EventId, group.OutboxPosition, group.Audience, ClientEvents.NewRecord, RecordTypes.StudentGroup,
            new StudentGroupRecord(group.GroupId, group.Name, group.Version), group.Version, context.CancellationToken);
    }

    public Task Consume(ConsumeContext<StudentGroupChanged> context)
    {
        var group = context.Message;
        return SendRecordAsync(order.TurnOf(context), group.EventId, group.OutboxPosition, group.Audience, ClientEvents.ChangedRecord, RecordTypes.StudentGroup,
            new StudentGroupRecord(group.GroupId, group.Name, group.Version), group.Version, context.CancellationToken);
    }

    public async Task Consume(ConsumeContext<StudentGroupDeleted> context)
    {
        var deleted = context.Message;
        var cancellationToken = context.CancellationToken;
        var turn = order.TurnOf(context);
        await turn.EarlierEventsDeliveredAsync(cancellationToken);
        var members = await projection.DeleteGroupAsync(deleted.GroupId, cancellationToken);
        await moves.MoveAsync(deleted.GroupId, members, joined: false);
        foreach (var member in members)
        {
            await access.UserLeftGroupAsync(member, cancellationToken);
        }

        LogGroupDeleted(deleted.EventId, deleted.GroupId, members.Count);
        // Memberships have no record id to cascade: clients drop the group's memberships with the group.
        await delivery.SendAsync(turn, deleted.EventId, deleted.OutboxPosition, deleted.Audience, null, ClientEvents.DeletedRecord,
            (seq, epoch) => new DeletedRecordMessage(RecordTypes.StudentGroup, deleted.GroupId, [], deleted.EventId, seq, epoch), cancellationToken);
    }

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
        await moves.MoveAsync(changed.GroupId, [changed.UserId], joined: isMember);
        if (!isMember)
        {
            await access.UserLeftGroupAsync(changed.UserId, cancellationToken);
        }

        LogMembershipApplied(changed.EventId, changed.GroupId, changed.UserId, changed.Change, changed.MembershipVersion, isMember);
        await SendRecordAsync(turn, changed.EventId, changed.OutboxPosition, changed.Audience, added ? ClientEvents.NewRecord : ClientEvents.ChangedRecord,
            RecordTypes.GroupMembership, new GroupMembershipRecord(changed.GroupId, changed.UserId, added, changed.MembershipVersion),
            changed.MembershipVersion, cancellationToken);
    }

    private Task SendRecordAsync<TRecord>(
        DeliveryTurn turn, Guid eventId, long outboxPosition, IReadOnlyList<string> audience, string clientEvent, string recordType, TRecord record, long version, CancellationToken cancellationToken)
    {
        // Serialized once, with the web (camelCase) names the hub uses for the rest of the message.
        var json = JsonSerializer.SerializeToElement(record, JsonSerializerOptions.Web);
        return delivery.SendAsync(turn, eventId, outboxPosition, audience, null, clientEvent,
            (seq, epoch) => new RecordMessage(recordType, json, version, eventId, seq, epoch), cancellationToken);
    }

    [LoggerMessage(EventId = 703, Level = LogLevel.Information,
        Message = "Event {EventId}: membership of user {UserId} in group {GroupId} {Change} at version {MembershipVersion}; member now: {IsMember}")]
    private partial void LogMembershipApplied(Guid eventId, Guid groupId, Guid userId, MembershipChange change, long membershipVersion, bool isMember);

    [LoggerMessage(EventId = 704, Level = LogLevel.Information, Message = "Event {EventId}: group {GroupId} deleted; {Members} members left its room")]
    private partial void LogGroupDeleted(Guid eventId, Guid groupId, int members);
}
