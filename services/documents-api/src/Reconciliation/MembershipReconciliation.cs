using Roomcast.Contracts.Events.Identity;
using Roomcast.DocumentsApi.Projection;

namespace Roomcast.DocumentsApi.Reconciliation;

/// <summary>
/// Applies identity's membership snapshots to the projection: every state a snapshot changes is drift
/// (an event this copy missed or failed to apply), counted (<see cref="MembershipDriftMetrics"/>),
/// logged as a warning naming group and user, and reported by the check command.
/// </summary>
public sealed partial class MembershipReconciliation(
    MembershipProjectionStore projection,
    ReconciliationStore reports,
    MembershipDriftMetrics metrics,
    ILogger<MembershipReconciliation> logger)
{
    public async Task ApplyAsync(GroupMembershipSnapshot snapshot, CancellationToken cancellationToken)
    {
        var corrections = await projection.ReconcileGroupAsync(snapshot.GroupId, snapshot.Name, snapshot.Version, snapshot.Deleted,
            snapshot.MembershipVersion, snapshot.Members, cancellationToken);
        if (corrections.GroupDeleted)
        {
            LogGroupDeleted(snapshot.SnapshotId, snapshot.GroupId);
        }

        foreach (var user in corrections.Added)
        {
            LogMembershipCorrected(snapshot.SnapshotId, snapshot.GroupId, user, "added", snapshot.MembershipVersion);
        }

        foreach (var user in corrections.Removed)
        {
            LogMembershipCorrected(snapshot.SnapshotId, snapshot.GroupId, user, "removed", snapshot.MembershipVersion);
        }

        metrics.Corrected("group-deleted", corrections.GroupDeleted ? 1 : 0);
        metrics.Corrected("added", corrections.Added.Count);
        metrics.Corrected("removed", corrections.Removed.Count);
        await reports.CountGroupAsync(snapshot.SnapshotId, snapshot.Reason, snapshot.GroupCount, corrections.Count, cancellationToken);
    }

    [LoggerMessage(EventId = DocumentsLogEvents.MembershipDriftCorrected, Level = LogLevel.Warning,
        Message = "Membership drift corrected by snapshot {SnapshotId}: user {UserId} {Change} in group {GroupId} at membership version {MembershipVersion}")]
    private partial void LogMembershipCorrected(Guid snapshotId, Guid groupId, Guid userId, string change, long membershipVersion);

    [LoggerMessage(EventId = DocumentsLogEvents.MembershipDriftGroupDeleted, Level = LogLevel.Warning, Message = "Membership drift corrected by snapshot {SnapshotId}: group {GroupId} was deleted in identity")]
    private partial void LogGroupDeleted(Guid snapshotId, Guid groupId);
}
