using MassTransit;
using Roomcast.Contracts.Access;
using Roomcast.Contracts.Events.Identity;
using Roomcast.RealtimeGateway.Access;
using Roomcast.RealtimeGateway.Delivery;
using Roomcast.RealtimeGateway.History;

namespace Roomcast.RealtimeGateway.Membership;

/// <summary>
/// Applies one group of identity's membership snapshot (<see cref="IMembershipProjection.ReconcileGroupAsync"/>)
/// in its place in the delivery order. Whatever it changed is drift: counted, logged as a warning, and the
/// users' live connections move exactly as the missed event would have moved them (group rooms on every
/// instance; a user who left goes through the root-room recheck). Nothing is delivered to clients.
/// </summary>
public sealed partial class GroupMembershipSnapshotConsumer(
    IMembershipProjection projection,
    GroupRoomMoves moves,
    IRootAccessChanges access,
    MembershipDriftMetrics metrics,
    DeliveryOrder order,
    RoomGains gains,
    ILogger<GroupMembershipSnapshotConsumer> logger) : IConsumer<GroupMembershipSnapshot>
{
    public async Task Consume(ConsumeContext<GroupMembershipSnapshot> context)
    {
        var snapshot = context.Message;
        var cancellationToken = context.CancellationToken;
        await order.TurnOf(context).EarlierEventsDeliveredAsync(cancellationToken);
        var changed = await projection.ReconcileGroupAsync(snapshot.GroupId, snapshot.Deleted, snapshot.MembershipVersion, snapshot.Members, cancellationToken);
        if (changed.Count == 0)
        {
            return;
        }

        if (changed.GroupDeleted)
        {
            LogGroupDeleted(snapshot.SnapshotId, snapshot.GroupId);
        }

        foreach (var user in changed.Joined)
        {
            LogCorrected(snapshot.SnapshotId, snapshot.GroupId, user, "added", snapshot.MembershipVersion);
        }

        foreach (var user in changed.Left)
        {
            LogCorrected(snapshot.SnapshotId, snapshot.GroupId, user, "removed", snapshot.MembershipVersion);
        }

        metrics.Corrected("group-deleted", changed.GroupDeleted ? 1 : 0);
        metrics.Corrected("added", changed.Joined.Count);
        metrics.Corrected("removed", changed.Left.Count);
        // Resume follows the correction like the missed event: an addition holds the group room from now
        // on, a removal forgets it, recorded before the rooms move (History/RoomGains).
        foreach (var user in changed.Joined)
        {
            await gains.MembershipAsync(snapshot.EventId, user, snapshot.GroupId, isMember: true, cancellationToken);
        }
        foreach (var user in changed.Left)
        {
            await gains.MembershipAsync(snapshot.EventId, user, snapshot.GroupId, isMember: false, cancellationToken);
        }
        await moves.MoveAsync(snapshot.GroupId, changed.Joined, joined: true);
        await moves.MoveAsync(snapshot.GroupId, changed.Left, joined: false);
        foreach (var user in changed.Left)
        {
            await LeftGroupAsync(user, snapshot, cancellationToken);
        }
    }

    /// <summary>The one call into root access for a user the snapshot took out of a group.</summary>
    private Task LeftGroupAsync(Guid userId, GroupMembershipSnapshot snapshot, CancellationToken cancellationToken) =>
        access.UserLeftGroupAsync(userId, snapshot.GroupId,
            snapshot.Deleted ? AccessConsistency.GroupDeletedVersion : snapshot.MembershipVersion, cancellationToken);

    [LoggerMessage(EventId = GatewayLogEvents.MembershipDriftCorrected, Level = LogLevel.Warning,
        Message = "Membership drift corrected by snapshot {SnapshotId}: user {UserId} {Change} in group {GroupId} at membership version {MembershipVersion}")]
    private partial void LogCorrected(Guid snapshotId, Guid groupId, Guid userId, string change, long membershipVersion);

    [LoggerMessage(EventId = GatewayLogEvents.MembershipDriftGroupDeleted, Level = LogLevel.Warning,
        Message = "Membership drift corrected by snapshot {SnapshotId}: group {GroupId} was deleted in identity")]
    private partial void LogGroupDeleted(Guid snapshotId, Guid groupId);
}
