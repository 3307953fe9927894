namespace Roomcast.RealtimeGateway.Access;

/// <summary>
/// The group departures this instance heard of that documents-api has not yet confirmed it applied:
/// per user, each group with the newest membership version seen leaving it
/// (<see cref="Roomcast.Contracts.Access.AccessConsistency.GroupDeletedVersion"/> for a deletion). Every
/// question about the user carries them, so documents-api never answers it from a projection older than
/// what the gateway already acted on. An entry goes when documents-api answers a question that named
/// it, or after <see cref="RoomAccessOptions.MembershipDepartureRetention"/>. Departures are rare: one
/// lock guards them all.
/// </summary>
internal sealed class MembershipDepartures(TimeProvider clock)
{
    /// <summary>Above this many users with departures, expired ones are swept.</summary>
    private const int SweepAbove = 10_000;

    private readonly Dictionary<Guid, Dictionary<Guid, (long Version, long At)>> _byUser = [];

    public void Left(Guid userId, Guid groupId, long membershipVersion, TimeSpan retention)
    {
        var now = clock.GetTimestamp();
        lock (_byUser)
        {
            if (_byUser.Count >= SweepAbove)
            {
                foreach (var user in _byUser.Keys.ToList())
                {
                    DropExpired(user, now, retention);
                }
            }

            if (!_byUser.TryGetValue(userId, out var groups))
            {
                _byUser[userId] = groups = [];
            }

            var version = groups.TryGetValue(groupId, out var known) ? Math.Max(known.Version, membershipVersion) : membershipVersion;
            groups[groupId] = (version, now);
        }
    }

    /// <summary>The user's unconfirmed departures, newest version per group; empty when none.</summary>
    public IReadOnlyList<(Guid Group, long Version)> Of(Guid userId, TimeSpan retention)
    {
        lock (_byUser)
        {
            DropExpired(userId, clock.GetTimestamp(), retention);
            return _byUser.TryGetValue(userId, out var groups) ? [.. groups.Select(pair => (pair.Key, pair.Value.Version))] : [];
        }
    }

    /// <summary>documents-api answered a question that named <paramref name="applied"/>: it has applied them.</summary>
    public void Confirmed(Guid userId, IReadOnlyList<(Guid Group, long Version)> applied)
    {
        lock (_byUser)
        {
            if (applied.Count == 0 || !_byUser.TryGetValue(userId, out var groups))
            {
                return;
            }

            foreach (var (group, version) in applied)
            {
                if (groups.TryGetValue(group, out var known) && known.Version <= version)
                {
                    groups.Remove(group);
                }
            }

            if (groups.Count == 0)
            {
                _byUser.Remove(userId);
            }
        }
    }

    private void DropExpired(Guid userId, long now, TimeSpan retention)
    {
        if (!_byUser.TryGetValue(userId, out var groups))
        {
            return;
        }

        var oldest = now - (long)(retention.TotalSeconds * clock.TimestampFrequency);
        foreach (var (group, _) in groups.Where(pair => pair.Value.At < oldest).ToList())
        {
            groups.Remove(group);
        }

        if (groups.Count == 0)
        {
            _byUser.Remove(userId);
        }
    }
}
