using Roomcast.Contracts.Rooms;
using Roomcast.RealtimeGateway.Rooms;

namespace Roomcast.RealtimeGateway.Presence;

/// <summary>What this instance's connections did since the previous flush.</summary>
/// <param name="Changes">The <see cref="CensusReportKind.Changes"/> report for the others, or <c>null</c> when nothing changed in net.</param>
/// <param name="EnteredAdmin">Connections that entered <c>admin</c>: each is owed a <c>full</c> list.</param>
/// <param name="LeftAdmin">Connections that left <c>admin</c> (or closed): no more updates for them.</param>
public sealed record LocalFlush(CensusReport? Changes, IReadOnlyList<string> EnteredAdmin, IReadOnlyList<string> LeftAdmin);

/// <summary>
/// This instance's side of the census. Listens to <see cref="LocalRooms.Changed"/> and keeps, per
/// room, the local connection count (O(1) per change, no per-connection state); marks the rooms and
/// users touched. <see cref="Flush"/> turns what was touched since the previous flush into one
/// <see cref="CensusReport"/> of net changes: a connection that came and went in between is no change.
/// </summary>
public sealed class LocalCensus : IDisposable
{
    private readonly LocalRooms _rooms;
    private readonly IReadOnlySet<RoomKind> _sharedKinds;
    private readonly Lock _gate = new();
    private readonly Dictionary<RoomName, int> _counts = [];
    private HashSet<RoomName> _touchedRooms = [];
    private HashSet<Guid> _touchedUsers = [];
    private List<string> _enteredAdmin = [];
    private List<string> _leftAdmin = [];

    // What the other instances were last told; read and written by the flushing thread only.
    private readonly Dictionary<string, int> _publishedRooms = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, IReadOnlyList<string>> _publishedUsers = [];

    public LocalCensus(LocalRooms rooms, string instance, IReadOnlySet<RoomKind> sharedKinds)
    {
        _rooms = rooms;
        _sharedKinds = sharedKinds;
        Instance = instance;
        _rooms.Changed += OnChanged;
    }

    public string Instance { get; }

    /// <summary>New on every start of the instance.</summary>
    public Guid Epoch { get; } = Guid.NewGuid();

    /// <summary>The version of the last <see cref="CensusReportKind.Changes"/> report made.</summary>
    public long Version { get; private set; }

    /// <summary>Takes what was touched since the previous call and reports it as net changes with the next version.</summary>
    public LocalFlush Flush()
    {
        HashSet<RoomName> touchedRooms;
        HashSet<Guid> touchedUsers;
        List<string> enteredAdmin;
        List<string> leftAdmin;
        var counts = new List<RoomCount>();
        lock (_gate)
        {
            touchedRooms = _touchedRooms;
            touchedUsers = _touchedUsers;
            enteredAdmin = _enteredAdmin;
            leftAdmin = _leftAdmin;
            _touchedRooms = [];
            _touchedUsers = [];
            _enteredAdmin = [];
            _leftAdmin = [];
            foreach (var room in touchedRooms)
            {
                var count = _counts.GetValueOrDefault(room);
                if (count == 0)
                {
                    _counts.Remove(room);
                }
                counts.Add(new RoomCount(room.ToString(), Math.Max(count, 0)));
            }
        }

        var rooms = new List<RoomCount>();
        foreach (var room in counts)
        {
            if (room.Count != _publishedRooms.GetValueOrDefault(room.Room))
            {
                rooms.Add(room);
                if (room.Count > 0)
                {
                    _publishedRooms[room.Room] = room.Count;
                }
                else
                {
                    _publishedRooms.Remove(room.Room);
                }
            }
        }

        var users = new List<UserRooms>();
        foreach (var userId in touchedUsers)
        {
            var now = SharedRoomsOf(userId);
            var before = _publishedUsers.GetValueOrDefault(userId);
            if (now is null && before is null || now is not null && before is not null && now.SequenceEqual(before))
            {
                continue;
            }
            users.Add(new UserRooms(userId, now is not null, now ?? []));
            if (now is null)
            {
                _publishedUsers.Remove(userId);
            }
            else
            {
                _publishedUsers[userId] = now;
            }
        }

        if (rooms.Count == 0 && users.Count == 0)
        {
            return new LocalFlush(null, enteredAdmin, leftAdmin);
        }
        Version++;
        return new LocalFlush(new CensusReport(CensusReportKind.Changes, Instance, Epoch, Version, rooms, users), enteredAdmin, leftAdmin);
    }

    /// <summary>Everything the others were told so far, at <see cref="Version"/>: the answer to a state request.</summary>
    public CensusReport State() => new(
        CensusReportKind.State,
        Instance,
        Epoch,
        Version,
        [.. _publishedRooms.Select(room => new RoomCount(room.Key, room.Value))],
        [.. _publishedUsers.Select(user => new UserRooms(user.Key, Connected: true, user.Value))]);

    public void Dispose() => _rooms.Changed -= OnChanged;

    private void OnChanged(RoomChange change)
    {
        lock (_gate)
        {
            _counts[change.Room] = _counts.GetValueOrDefault(change.Room) + (change.Joined ? 1 : -1);
            _touchedRooms.Add(change.Room);
            _touchedUsers.Add(change.UserId);
            if (change.Room == RoomName.Admin)
            {
                (change.Joined ? _enteredAdmin : _leftAdmin).Add(change.ConnectionId);
            }
        }
    }

    /// <summary>The user's rooms of the shared kinds, sorted, over their connections here; <c>null</c> when they have none here.</summary>
    private string[]? SharedRoomsOf(Guid userId)
    {
        var connections = _rooms.ConnectionsOf(userId);
        if (connections.Count == 0)
        {
            return null;
        }
        return [.. connections
            .SelectMany(_rooms.RoomsOf)
            .Where(room => _sharedKinds.Contains(room.Kind))
            .Select(room => room.ToString())
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];
    }
}
