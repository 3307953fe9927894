namespace Roomcast.RealtimeGateway.Presence;

/// <summary>What <see cref="ClusterCensus.Apply"/> made of a report.</summary>
public enum CensusApplied
{
    Applied,

    /// <summary>Old news (a version already held); nothing changed.</summary>
    Ignored,

    /// <summary>The report does not fit what is known of its sender (new instance, new epoch, a lost version): its state must be asked for.</summary>
    NeedsState,
}

/// <summary>A user came online or went offline across the cluster; <paramref name="Rooms"/> are the shared rooms to tell.</summary>
public sealed record PresenceTransition(Guid UserId, bool Online, IReadOnlyCollection<string> Rooms);

/// <summary>What changed since the previous <see cref="ClusterCensus.TakeChanges"/>: net, so a change undone in between is no change.</summary>
public sealed record CensusChanges(IReadOnlyDictionary<string, int> Rooms, IReadOnlyList<PresenceTransition> Presence)
{
    public bool IsEmpty => Rooms.Count == 0 && Presence.Count == 0;
}

/// <summary>
/// The connections of every live gateway instance, as their <see cref="CensusReport"/>s describe them:
/// room → connection count summed over the instances, and each user's presence (online while any
/// instance holds a connection of theirs). Pure bookkeeping, not thread-safe: the caller serialises
/// access. Changes accumulate until <see cref="TakeChanges"/>, which returns only net differences —
/// the coalescing that turns a thousand reconnects into one update.
/// </summary>
public sealed class ClusterCensus
{
    private readonly string _self;
    private readonly Dictionary<string, InstanceState> _instances = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _totals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _roomsBefore = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, UserPresence> _usersBefore = [];

    /// <param name="self">This instance, known from the start and never expired.</param>
    public ClusterCensus(string self, Guid epoch)
    {
        _self = self;
        _instances[self] = new InstanceState(epoch, version: 0, lastHeard: 0);
    }

    /// <summary>The instances whose connections are counted, this one included.</summary>
    public IReadOnlyCollection<string> Instances => _instances.Keys;

    /// <param name="now">Milliseconds on a monotonic clock, compared with <see cref="Expire"/>'s.</param>
    public CensusApplied Apply(CensusReport report, long now)
    {
        _instances.TryGetValue(report.Origin, out var known);
        var sameEpoch = known is not null && known.Epoch == report.Epoch;
        if (sameEpoch)
        {
            known!.LastHeard = now;
        }

        switch (report.Kind)
        {
            case CensusReportKind.State:
                if (!sameEpoch)
                {
                    Forget(report.Origin);
                    known = new InstanceState(report.Epoch, report.Version, now);
                    _instances[report.Origin] = known;
                }
                else if (report.Version < known!.Version)
                {
                    return CensusApplied.Ignored;
                }
                Replace(known, report);
                known.Version = report.Version;
                return CensusApplied.Applied;

            case CensusReportKind.Changes:
                if (!sameEpoch || report.Version > known!.Version + 1)
                {
                    return CensusApplied.NeedsState;
                }
                if (report.Version <= known.Version)
                {
                    return CensusApplied.Ignored;
                }
                foreach (var room in report.Rooms)
                {
                    SetRoom(known, room.Room, room.Count);
                }
                foreach (var user in report.Users)
                {
                    SetUser(known, user);
                }
                known.Version = report.Version;
                return CensusApplied.Applied;

            case CensusReportKind.Heartbeat:
                return sameEpoch && report.Version == known!.Version ? CensusApplied.Applied : CensusApplied.NeedsState;

            case CensusReportKind.Gone:
                if (!sameEpoch || report.Origin == _self)
                {
                    return CensusApplied.Ignored;
                }
                Forget(report.Origin);
                return CensusApplied.Applied;

            default:
                return CensusApplied.Ignored;
        }
    }

    /// <summary>Forgets every other instance not heard from for longer than <paramref name="timeout"/>; returns which.</summary>
    public IReadOnlyList<string> Expire(long now, TimeSpan timeout)
    {
        var dead = _instances
            .Where(instance => instance.Key != _self && now - instance.Value.LastHeard > timeout.TotalMilliseconds)
            .Select(instance => instance.Key)
            .ToList();
        foreach (var instance in dead)
        {
            Forget(instance);
        }
        return dead;
    }

    /// <summary>Every non-empty room and its connection count across the instances.</summary>
    public IReadOnlyDictionary<string, int> Totals() => new Dictionary<string, int>(_totals, StringComparer.Ordinal);

    public bool IsOnline(Guid userId) => PresenceOf(userId).Online;

    /// <summary>The net changes since the previous call: rooms whose total differs (0 when emptied), users whose online state flipped.</summary>
    public CensusChanges TakeChanges()
    {
        var rooms = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (room, before) in _roomsBefore)
        {
            var now = _totals.GetValueOrDefault(room);
            if (now != before)
            {
                rooms[room] = now;
            }
        }

        var presence = new List<PresenceTransition>();
        foreach (var (userId, before) in _usersBefore)
        {
            var after = PresenceOf(userId);
            if (after.Online != before.Online)
            {
                // Going offline, the user's rooms are the ones they had: tell those.
                presence.Add(new PresenceTransition(userId, after.Online, after.Online ? after.Rooms : before.Rooms));
            }
        }

        _roomsBefore.Clear();
        _usersBefore.Clear();
        return new CensusChanges(rooms, presence);
    }

    private void Replace(InstanceState instance, CensusReport state)
    {
        var rooms = state.Rooms.Where(room => room.Count > 0).ToDictionary(room => room.Room, room => room.Count, StringComparer.Ordinal);
        foreach (var room in instance.Rooms.Keys.Where(room => !rooms.ContainsKey(room)).ToList())
        {
            SetRoom(instance, room, 0);
        }
        foreach (var (room, count) in rooms)
        {
            SetRoom(instance, room, count);
        }

        var users = state.Users.Where(user => user.Connected).ToDictionary(user => user.UserId);
        foreach (var userId in instance.Users.Keys.Where(userId => !users.ContainsKey(userId)).ToList())
        {
            SetUser(instance, new UserRooms(userId, Connected: false, []));
        }
        foreach (var user in users.Values)
        {
            SetUser(instance, user);
        }
    }

    private void Forget(string origin)
    {
        if (!_instances.TryGetValue(origin, out var instance))
        {
            return;
        }
        foreach (var room in instance.Rooms.Keys.ToList())
        {
            SetRoom(instance, room, 0);
        }
        foreach (var userId in instance.Users.Keys.ToList())
        {
            SetUser(instance, new UserRooms(userId, Connected: false, []));
        }
        _instances.Remove(origin);
    }

    private void SetRoom(InstanceState instance, string room, int count)
    {
        count = Math.Max(count, 0);
        var old = instance.Rooms.GetValueOrDefault(room);
        if (old == count)
        {
            return;
        }
        var total = _totals.GetValueOrDefault(room);
        _roomsBefore.TryAdd(room, total);
        total += count - old;
        if (total > 0)
        {
            _totals[room] = total;
        }
        else
        {
            _totals.Remove(room);
        }
        if (count > 0)
        {
            instance.Rooms[room] = count;
        }
        else
        {
            instance.Rooms.Remove(room);
        }
    }

    private void SetUser(InstanceState instance, UserRooms user)
    {
        if (!_usersBefore.ContainsKey(user.UserId))
        {
            _usersBefore[user.UserId] = PresenceOf(user.UserId);
        }
        if (user.Connected)
        {
            instance.Users[user.UserId] = user.Rooms;
        }
        else
        {
            instance.Users.Remove(user.UserId);
        }
    }

    /// <summary>Online while any instance holds the user; their rooms are the union over the instances (there are few).</summary>
    private UserPresence PresenceOf(Guid userId)
    {
        var online = false;
        HashSet<string>? rooms = null;
        foreach (var instance in _instances.Values)
        {
            if (instance.Users.TryGetValue(userId, out var held))
            {
                online = true;
                (rooms ??= new HashSet<string>(StringComparer.Ordinal)).UnionWith(held);
            }
        }
        return new UserPresence(online, rooms is null ? [] : rooms);
    }

    private readonly record struct UserPresence(bool Online, IReadOnlyCollection<string> Rooms);

    private sealed class InstanceState(Guid epoch, long version, long lastHeard)
    {
        public Guid Epoch { get; } = epoch;

        public long Version { get; set; } = version;

        public long LastHeard { get; set; } = lastHeard;

        public Dictionary<string, int> Rooms { get; } = new(StringComparer.Ordinal);

        public Dictionary<Guid, IReadOnlyList<string>> Users { get; } = [];
    }
}
