using MassTransit;

namespace Roomcast.Contracts.Events.Identity;

/// <summary>
/// One group as identity holds it now: its membership version and its members, read together. A copy
/// applies it like a membership change to each user in <see cref="Members"/> or recorded as a member
/// there (member = listed, at <see cref="MembershipVersion"/>), so a newer change it already applied
/// stays and a replayed older snapshot changes nothing; a <see cref="Deleted"/> group is deleted.
/// One full snapshot is <see cref="GroupCount"/> of these with the same <see cref="SnapshotId"/>.
/// Not for clients: the gateway delivers nothing for it.
/// </summary>
/// <param name="Reason">Why the snapshot was made: one of <see cref="MembershipSnapshotReasons"/>.</param>
/// <param name="Version">The group's record version (its name), as in <see cref="StudentGroupChanged"/>.</param>
/// <param name="MembershipVersion">The group's membership version when <see cref="Members"/> was read, as in <see cref="GroupMembershipChanged"/>.</param>
[MessageUrn("roomcast:events:group-membership-snapshot")]
[EntityName("roomcast.group-membership-snapshot")]
public sealed record GroupMembershipSnapshot(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid SnapshotId,
    string Reason,
    int GroupCount,
    Guid GroupId,
    string Name,
    long Version,
    bool Deleted,
    long MembershipVersion,
    IReadOnlyList<Guid> Members);
