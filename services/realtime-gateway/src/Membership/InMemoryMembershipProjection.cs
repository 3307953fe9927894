namespace Roomcast.RealtimeGateway.Membership;

/// <summary>
/// The membership projection of a gateway running alone (no <c>Redis__Endpoint</c>): it lives and dies
/// with the process, and its per-instance queue goes with it, so a restarted instance starts knowing
/// no memberships (see the README's Membership section).
/// </summary>
public sealed class InMemoryMembershipProjection : IMembershipProjection
{
    // Per user: group → signed membership version (negative: removed at that version, a tombstone; 0: from identity's answer).
    private readonly Dictionary<Guid, Dictionary<Guid, long>> _byUser = [];
    private readonly HashSet<Guid> _backfilled = [];
    private readonly Dictionary<Guid, HashSet<Guid>> _members = [];
    private readonly HashSet<Guid> _deletedGroups = [];
    private readonly Lock _gate = new();

    public ValueTask<IReadOnlyCollection<Guid>> GroupsOfAsync(Guid userId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(GroupsOf(userId));
        }
    }

    public ValueTask<IReadOnlyCollection<Guid>?> BackfilledGroupsOfAsync(Guid userId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_backfilled.Contains(userId) ? GroupsOf(userId) : null);
        }
    }

    public Task<IReadOnlyCollection<Guid>> BackfillAsync(Guid userId, IReadOnlyCollection<Guid> groups, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var versions = VersionsOf(userId);
            foreach (var group in groups.Where(group => !_deletedGroups.Contains(group)))
            {
                if (versions.TryAdd(group, 0))
                {
                    MembersOf(group).Add(userId);
                }
            }

            _backfilled.Add(userId);
            return Task.FromResult(GroupsOf(userId));
        }
    }

    public Task<bool> ApplyMembershipAsync(Guid groupId, Guid userId, bool isMember, long membershipVersion, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(membershipVersion, 1);
        lock (_gate)
        {
            if (_deletedGroups.Contains(groupId))
            {
                return Task.FromResult(false);
            }

            var versions = VersionsOf(userId);
            if (versions.TryGetValue(groupId, out var current) && Math.Abs(current) >= membershipVersion)
            {
                return Task.FromResult(current >= 0);
            }

            versions[groupId] = isMember ? membershipVersion : -membershipVersion;
            var members = MembersOf(groupId);
            if (isMember)
            {
                members.Add(userId);
            }
            else
            {
                members.Remove(userId);
            }

            return Task.FromResult(isMember);
        }
    }

    public Task<IReadOnlyCollection<Guid>> DeleteGroupAsync(Guid groupId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _deletedGroups.Add(groupId);
            // The member set is kept, so a replayed deletion names the same members again.
            IReadOnlyCollection<Guid> members = _members.TryGetValue(groupId, out var set) ? set.ToList() : [];
            foreach (var member in members)
            {
                _byUser[member].Remove(groupId);
            }

            return Task.FromResult(members);
        }
    }

    public Task<GroupReconciliation> ReconcileGroupAsync(Guid groupId, bool deleted, long membershipVersion, IReadOnlyCollection<Guid> members, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var recorded = MembersOf(groupId);
            if (deleted)
            {
                if (!_deletedGroups.Add(groupId))
                {
                    return Task.FromResult(new GroupReconciliation(false, [], []));
                }

                // The member set is kept, as for a deleted group's event.
                foreach (var member in recorded)
                {
                    _byUser[member].Remove(groupId);
                }

                return Task.FromResult(new GroupReconciliation(true, [], [.. recorded]));
            }

            if (_deletedGroups.Contains(groupId) || membershipVersion < 1)
            {
                return Task.FromResult(new GroupReconciliation(false, [], []));
            }

            var listed = members.ToHashSet();
            var joined = new List<Guid>();
            var left = new List<Guid>();
            foreach (var user in listed.Union(recorded).ToList())
            {
                var versions = VersionsOf(user);
                var was = versions.TryGetValue(groupId, out var current) && current >= 0;
                if (versions.ContainsKey(groupId) && Math.Abs(current) >= membershipVersion)
                {
                    continue;
                }

                var isMember = listed.Contains(user);
                versions[groupId] = isMember ? membershipVersion : -membershipVersion;
                if (isMember)
                {
                    recorded.Add(user);
                }
                else
                {
                    recorded.Remove(user);
                }

                if (isMember != was)
                {
                    (isMember ? joined : left).Add(user);
                }
            }

            return Task.FromResult(new GroupReconciliation(false, joined, left));
        }
    }

    private IReadOnlyCollection<Guid> GroupsOf(Guid userId) =>
        _byUser.TryGetValue(userId, out var versions) ? versions.Where(entry => entry.Value >= 0).Select(entry => entry.Key).ToList() : [];

    private Dictionary<Guid, long> VersionsOf(Guid userId) => _byUser.TryGetValue(userId, out var versions) ? versions : _byUser[userId] = [];

    private HashSet<Guid> MembersOf(Guid groupId) => _members.TryGetValue(groupId, out var members) ? members : _members[groupId] = [];
}
