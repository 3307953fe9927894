using MassTransit;

namespace Roomcast.Contracts.Events.Identity;

/// <summary>
/// A service that keeps a copy of identity's memberships asks identity for a full snapshot of them
/// (<see cref="GroupMembershipSnapshot"/>, one per group), to find and correct what its copy missed.
/// identity coalesces requests, so asking often costs at most one snapshot per its request gap.
/// </summary>
/// <param name="RequestedBy">The service (and instance) that asks, for logs.</param>
/// <param name="Reason">One of <see cref="MembershipSnapshotReasons"/>.</param>
[MessageUrn("roomcast:events:membership-snapshot-requested")]
[EntityName("roomcast.membership-snapshot-requested")]
public sealed record MembershipSnapshotRequested(Guid RequestId, DateTimeOffset RequestedAt, string RequestedBy, string Reason);

/// <summary>Why a membership snapshot was asked for or made.</summary>
public static class MembershipSnapshotReasons
{
    /// <summary>A copy's queue became ready (at start, or again after the broker connection was lost): events published while it did not exist are lost.</summary>
    public const string QueueReady = "queue-ready";

    /// <summary>An identity event failed every retry and went to an error queue.</summary>
    public const string Fault = "fault";

    /// <summary>An admin asked (documents-api's check command).</summary>
    public const string Admin = "admin";

    /// <summary>identity's own schedule.</summary>
    public const string Schedule = "schedule";
}
