namespace Roomcast.RealtimeGateway.Access;

/// <summary>
/// The group departures of users that documents-api has not yet confirmed it applied: per user, each
/// group with the newest membership version seen leaving it
/// (<see cref="Roomcast.Contracts.Access.AccessConsistency.GroupDeletedVersion"/> for a deletion). Every
/// question about the user carries them, so documents-api never answers it from a projection older than
/// what the gateway already acted on. An entry goes when documents-api answers a question that named it,
/// or once <see cref="RoomAccessOptions.MembershipDepartureRetention"/> has passed (in Redis: since the
/// user's latest departure). Nothing else drops one: a user with more than one header's worth is asked
/// about in turns (<see cref="RootReadAccess"/>).
/// With Redis every instance shares them (<see cref="RedisMembershipDepartures"/>): one that did not hear
/// the departure, or started after it, asks the same way. Alone, an instance keeps them in memory.
/// </summary>
public interface IMembershipDepartures
{
    /// <summary>Records that <paramref name="userId"/> left <paramref name="groupId"/> at <paramref name="membershipVersion"/> (an older version changes nothing).</summary>
    Task LeftAsync(Guid userId, Guid groupId, long membershipVersion, CancellationToken cancellationToken);

    /// <summary>The user's unconfirmed departures, newest version per group; empty when none.</summary>
    Task<IReadOnlyList<(Guid Group, long Version)>> OfAsync(Guid userId, CancellationToken cancellationToken);

    /// <summary>documents-api answered a question that named <paramref name="applied"/>: it has applied them (a newer departure of a group stays).</summary>
    Task ConfirmedAsync(Guid userId, IReadOnlyList<(Guid Group, long Version)> applied, CancellationToken cancellationToken);
}
