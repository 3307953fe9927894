using MassTransit;
using Roomcast.Contracts.Access;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Events;
using Roomcast.Contracts.Events.Identity;
using Roomcast.RealtimeGateway.Access;
using Roomcast.RealtimeGateway.Delivery;

namespace Roomcast.RealtimeGateway.Membership;

/// <summary>
/// Turns identity's <see cref="StudentGroupDeleted"/> into <c>DELETED_RECORD</c> (<c>StudentGroup</c>) for
/// its audience, after the projection drops the group and its members' live connections leave its room
/// on every instance (and root access hears that they left). Every step is safe to repeat on redelivery.
/// </summary>
public sealed partial class StudentGroupDeletedConsumer(
    IMembershipProjection projection,
    GroupRoomMoves moves,
    IRootAccessChanges access,
    AudienceDelivery delivery,
    DeliveryOrder order,
    ILogger<StudentGroupDeletedConsumer> logger) : IConsumer<StudentGroupDeleted>
{
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
            await access.UserLeftGroupAsync(member, deleted.GroupId, AccessConsistency.GroupDeletedVersion, cancellationToken);
        }

        LogGroupDeleted(deleted.EventId, deleted.GroupId, members.Count);
        // Memberships have no record id to cascade: clients drop the group's memberships with the group.
        await delivery.SendAsync(turn, deleted.EventId, deleted.OutboxPosition, deleted.Audience, null, Guid.Empty, ClientEvents.DeletedRecord,
            (seq, epoch) => new DeletedRecordMessage(RecordTypes.StudentGroup, deleted.GroupId, [], deleted.EventId, seq, epoch), cancellationToken);
    }

    [LoggerMessage(EventId = GatewayLogEvents.GroupDeleted, Level = LogLevel.Information, Message = "Event {EventId}: group {GroupId} deleted; {Members} members left its room")]
    private partial void LogGroupDeleted(Guid eventId, Guid groupId, int members);
}
