namespace Roomcast.RealtimeGateway.Membership;

/// <summary>
/// The gateway's projection of identity's memberships, with the rules documents-api's projection uses:
/// a membership change applies only when its <c>MembershipVersion</c> is newer than the one recorded for
/// that (group, user), and a removal stays as a tombstone with its version, so a replayed or late older
/// event never changes the answer; a deleted group stays a tombstone, so no replayed addition revives it.
/// Memory (one instance alone) and Redis (shared by every instance) implement the same rules.
/// </summary>
public interface IMembershipProjection : IUserGroups
{
    /// <summary>Applies one membership change unless an equal or newer one was applied before.</summary>
    /// <returns>Whether the user is a member after this call: the state to move live connections to, whether this change applied or was stale.</returns>
    Task<bool> ApplyMembershipAsync(Guid groupId, Guid userId, bool isMember, long membershipVersion, CancellationToken cancellationToken);

    /// <summary>Marks the group deleted and drops its memberships.</summary>
    /// <returns>The users who were members when it was deleted (the same answer when the deletion is replayed).</returns>
    Task<IReadOnlyCollection<Guid>> DeleteGroupAsync(Guid groupId, CancellationToken cancellationToken);
}
