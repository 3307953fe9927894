namespace Roomcast.RealtimeGateway.Access;

/// <summary>
/// Told, before an event is delivered, that the readers of a root may have shrunk (a grant or the
/// root's <c>sharedAccess</c> changed, the root went, a user left a group), so connections that joined
/// a <c>root:</c> room on their own are taken out of it until documents-api confirms they may still read.
/// </summary>
public interface IRootAccessChanges
{
    /// <summary>A record event is about to be delivered; <paramref name="audience"/> names its <c>root:</c> room if it has one.</summary>
    Task RecordEventAsync(string recordType, IReadOnlyList<string> audience, CancellationToken cancellationToken);

    /// <summary>
    /// A user left a group (<paramref name="membershipVersion"/> is the membership change that says so,
    /// <see cref="Roomcast.Contracts.Access.AccessConsistency.GroupDeletedVersion"/> for the group's
    /// deletion): every root they read through it may be gone, and documents-api is asked again only
    /// for an answer no older than that change.
    /// </summary>
    Task UserLeftGroupAsync(Guid userId, Guid groupId, long membershipVersion, CancellationToken cancellationToken);
}
