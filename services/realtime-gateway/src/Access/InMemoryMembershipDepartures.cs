using Microsoft.Extensions.Options;

namespace Roomcast.RealtimeGateway.Access;

/// <summary>
/// <see cref="IMembershipDepartures"/> of an instance that runs alone (no Redis): in this process.
/// Departures are rare: one lock guards them all.
/// </summary>
public sealed class InMemoryMembershipDepartures(TimeProvider clock, IOptions<RoomAccessOptions> options) : IMembershipDepartures
{
    /// <summary>Above this many users with departures, expired ones are swept.</summary>
    private const int SweepAbove = 10_000;

    private readonly Dictionary<Guid, Dictionary<Guid, (long Version, long At)>> _byUser = [];

    private TimeSpan Retention => options.Value.MembershipDepartureRetention;

    public Task LeftAsync(Guid userId, Guid groupId, long membershipVersion, CancellationToken cancellationToken)
    {
        var retention = Retention;
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
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<(Guid Group, long Version)>> OfAsync(Guid userId, CancellationToken cancellationToken)
    {
        lock (_byUser)
        {
            DropExpired(userId, clock.GetTimestamp(), Retention);
            return Task.FromResult<IReadOnlyList<(Guid Group, long Version)>>(
                _byUser.TryGetValue(userId, out var groups) ? [.. groups.Select(pair => (pair.Key, pair.Value.Version))] : []);
        }
    }

    public Task ConfirmedAsync(Guid userId, IReadOnlyList<(Guid Group, long Version)> applied, CancellationToken cancellationToken)
    {
        lock (_byUser)
        {
            if (applied.Count == 0 || !_byUser.TryGetValue(userId, out var groups))
            {
                return Task.CompletedTask;
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
        return Task.CompletedTask;
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
