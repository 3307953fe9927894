namespace Roomcast.RealtimeGateway.Membership;

/// <summary>
/// The gateway's projection of identity's memberships, with the rules documents-api's projection uses:
/// a membership change applies only when its <c>MembershipVersion</c> is newer than the one recorded for
/// that (group, user), and a removal stays as a tombstone with its version, so a replayed or late older
/// event never changes the answer; a deleted group stays a tombstone, so no replayed addition revives it.
/// A membership merged from identity's own answer (<see cref="BackfillAsync"/>) has version 0, so any
/// event about it overrides it. Memory (one instance alone) and Redis (shared by every instance)
/// implement the same rules.
/// </summary>
public interface IMembershipProjection : IUserGroups
{
    /// <summary>Applies one membership change unless an equal or newer one was applied before.</summary>
    /// <returns>Whether the user is a member after this call: the state to move live connections to, whether this change applied or was stale.</returns>
    Task<bool> ApplyMembershipAsync(Guid groupId, Guid userId, bool isMember, long membershipVersion, CancellationToken cancellationToken);

    /// <summary>Marks the group deleted and drops its memberships.</summary>
    /// <returns>The users who were members when it was deleted (the same answer when the deletion is replayed).</returns>
    Task<IReadOnlyCollection<Guid>> DeleteGroupAsync(Guid groupId, CancellationToken cancellationToken);

    /// <summary>The user's groups, or <c>null</c> while identity's answer for this user was never merged in.</summary>
    ValueTask<IReadOnlyCollection<Guid>?> BackfilledGroupsOfAsync(Guid userId, CancellationToken cancellationToken);

    /// <summary>
    /// Merges identity's current answer for a user: each of <paramref name="groups"/> the projection has no
    /// entry for (and that is not deleted) becomes a membership at version 0; what events wrote stays.
    /// </summary>
    /// <returns>The user's groups afterwards.</returns>
    Task<IReadOnlyCollection<Guid>> BackfillAsync(Guid userId, IReadOnlyCollection<Guid> groups, CancellationToken cancellationToken);

    /// <summary>
    /// Applies one group of identity's membership snapshot with the rules above, atomically: a
    /// <paramref name="deleted"/> group is deleted; otherwise each user in <paramref name="members"/> or
    /// recorded as a member gets (member = listed) at <paramref name="membershipVersion"/>, unless a change
    /// as new or newer was applied. A group deleted here stays deleted; a snapshot at membership version 0
    /// lists nobody and changes nothing.
    /// </summary>
    /// <returns>What changed: the users who became members, those who stopped being members, whether the group was deleted now.</returns>
    Task<GroupReconciliation> ReconcileGroupAsync(Guid groupId, bool deleted, long membershipVersion, IReadOnlyCollection<Guid> members, CancellationToken cancellationToken);
}

/// <summary>What applying one group of a membership snapshot changed: nothing when the copy had not drifted.</summary>
public sealed record GroupReconciliation(bool GroupDeleted, IReadOnlyList<Guid> Joined, IReadOnlyList<Guid> Left)
{
    public int Count => (GroupDeleted ? 1 : 0) + Joined.Count + Left.Count;
}
