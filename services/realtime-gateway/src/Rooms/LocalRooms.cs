using System.Collections.Concurrent;
using Roomcast.Contracts.Rooms;

namespace Roomcast.RealtimeGateway.Rooms;

/// <summary>
/// Which rooms each connection on this instance is in, whose connection it is, and the reverse. Lets a
/// delivery resolve an audience of many rooms to each connection once, however many of those rooms it
/// is in, and lets a membership or access change move every local connection of a user at once.
/// Every change is reported through <see cref="Changed"/> (room counts and presence listen to it).
/// </summary>
public sealed class LocalRooms
{
    // Keyed by the room itself, not its name: no string per room (a user:{id} room per user).
    private readonly KeyedSets<RoomName, string> _connectionsByRoom = new();
    private readonly ConcurrentDictionary<string, ConnectionRooms> _byConnection = new(StringComparer.Ordinal);
    private readonly KeyedSets<Guid, string> _connectionsByUser = new();

    /// <summary>Raised after a connection entered (<c>joined</c> true) or left a room. Handlers must be quick and must not throw.</summary>
    public event Action<RoomChange>? Changed;

    /// <summary>
    /// Registers a new connection of <paramref name="userId"/> in its first rooms. A connection registered
    /// unsettled takes events at once but is reported through <see cref="Changed"/> only from
    /// <see cref="Settle"/>, with the rooms it holds then: room counts and presence never see it halfway
    /// through its connect (before its role and groups are read).
    /// </summary>
    public void Connect(string connectionId, Guid userId, bool isAdmin, IEnumerable<RoomName> rooms, bool settled = true)
    {
        var state = new ConnectionRooms(userId, isAdmin) { Settled = settled };
        if (!_byConnection.TryAdd(connectionId, state))
        {
            throw new InvalidOperationException($"Connection {connectionId} is registered already.");
        }
        _connectionsByUser.Add(userId, connectionId);
        foreach (var room in rooms)
        {
            Add(connectionId, room);
        }
    }

    /// <summary>Reports an unsettled connection's rooms through <see cref="Changed"/>, and every change from now on.</summary>
    public void Settle(string connectionId)
    {
        if (!_byConnection.TryGetValue(connectionId, out var state))
        {
            return;
        }

        RoomName[] rooms;
        lock (state)
        {
            if (state.Gone || state.Settled)
            {
                return;
            }
            state.Settled = true;
            rooms = state.Rooms.ToArray();
        }
        foreach (var room in rooms)
        {
            Changed?.Invoke(new RoomChange(connectionId, state.UserId, room, Joined: true));
        }
    }

    /// <summary>Forgets a connection and takes it out of every room.</summary>
    public void Disconnect(string connectionId)
    {
        if (!_byConnection.TryRemove(connectionId, out var state))
        {
            return;
        }

        RoomName[] rooms;
        bool settled;
        lock (state)
        {
            rooms = state.Rooms.ToArray();
            state.Rooms.Clear();
            state.Gone = true;
            settled = state.Settled;
        }
        foreach (var room in rooms)
        {
            _connectionsByRoom.Remove(room, connectionId);
            if (settled)
            {
                Changed?.Invoke(new RoomChange(connectionId, state.UserId, room, Joined: false));
            }
        }
        _connectionsByUser.Remove(state.UserId, connectionId);
    }

    /// <summary>Puts a connection in a room; <c>false</c> when it is not connected here or was in it already.</summary>
    public bool Add(string connectionId, RoomName room)
    {
        if (!_byConnection.TryGetValue(connectionId, out var state))
        {
            return false;
        }
        bool settled;
        lock (state)
        {
            if (state.Gone || !state.Rooms.Add(room))
            {
                return false;
            }
            // Inside the lock, so a concurrent Disconnect either sees the room or runs after this add.
            _connectionsByRoom.Add(room, connectionId);
            settled = state.Settled;
        }
        if (settled)
        {
            Changed?.Invoke(new RoomChange(connectionId, state.UserId, room, Joined: true));
        }
        return true;
    }

    /// <summary>Takes a connection out of a room; <c>false</c> when it was not in it.</summary>
    public bool Remove(string connectionId, RoomName room)
    {
        if (!_byConnection.TryGetValue(connectionId, out var state))
        {
            return false;
        }
        bool settled;
        lock (state)
        {
            if (!state.Rooms.Remove(room))
            {
                return false;
            }
            // Inside the lock too, so a concurrent Add of the same room cannot be undone by this removal.
            _connectionsByRoom.Remove(room, connectionId);
            settled = state.Settled;
        }
        if (settled)
        {
            Changed?.Invoke(new RoomChange(connectionId, state.UserId, room, Joined: false));
        }
        return true;
    }

    /// <summary>
    /// Sets whether a connection's user is an admin, as of the account's <paramref name="roleVersion"/>
    /// (0: the token's word), and moves it into or out of <c>admin</c> with it, in one step. A version
    /// older than the one the connection has is ignored, so a role read before a change cannot undo it.
    /// </summary>
    public RoleMove SetRole(string connectionId, bool isAdmin, long roleVersion)
    {
        if (!_byConnection.TryGetValue(connectionId, out var state))
        {
            return RoleMove.None;
        }

        bool moved;
        bool settled;
        lock (state)
        {
            settled = state.Settled;
            if (state.Gone || roleVersion < state.RoleVersion)
            {
                return RoleMove.None;
            }

            state.RoleVersion = roleVersion;
            if (state.IsAdmin == isAdmin)
            {
                return RoleMove.None;
            }

            state.IsAdmin = isAdmin;
            // Inside the lock, so two role changes racing cannot leave the room and the role apart.
            moved = isAdmin ? state.Rooms.Add(RoomName.Admin) : state.Rooms.Remove(RoomName.Admin);
            if (moved && isAdmin)
            {
                _connectionsByRoom.Add(RoomName.Admin, connectionId);
            }
            else if (moved)
            {
                _connectionsByRoom.Remove(RoomName.Admin, connectionId);
            }
        }

        if (moved && settled)
        {
            Changed?.Invoke(new RoomChange(connectionId, state.UserId, RoomName.Admin, Joined: isAdmin));
        }
        return isAdmin ? RoleMove.Promoted : RoleMove.Demoted;
    }

    /// <summary>Puts every local connection of <paramref name="userId"/> in <paramref name="room"/>; returns how many entered it.</summary>
    public int AddUser(Guid userId, RoomName room) => ConnectionsOf(userId).Count(connection => Add(connection, room));

    /// <summary>Takes every local connection of <paramref name="userId"/> out of <paramref name="room"/>; returns how many left it.</summary>
    public int RemoveUser(Guid userId, RoomName room) => ConnectionsOf(userId).Count(connection => Remove(connection, room));

    public IReadOnlyCollection<RoomName> RoomsOf(string connectionId)
    {
        if (!_byConnection.TryGetValue(connectionId, out var state))
        {
            return [];
        }
        lock (state)
        {
            return state.Rooms.ToArray();
        }
    }

    /// <summary>The user a local connection belongs to, and whether that user is an admin now (<see cref="SetRole"/>).</summary>
    public bool TryGetOwner(string connectionId, out Guid userId, out bool isAdmin)
    {
        if (_byConnection.TryGetValue(connectionId, out var state))
        {
            userId = state.UserId;
            lock (state)
            {
                isAdmin = state.IsAdmin;
            }
            return true;
        }
        userId = Guid.Empty;
        isAdmin = false;
        return false;
    }

    /// <summary>The local connections of <paramref name="userId"/>.</summary>
    public IReadOnlyList<string> ConnectionsOf(Guid userId) => _connectionsByUser.Of(userId);

    /// <summary>The local connections in <paramref name="room"/>.</summary>
    public IReadOnlyList<string> MembersOf(RoomName room) => _connectionsByRoom.Of(room);

    /// <summary>How many rooms have a local connection.</summary>
    public int RoomCount => _connectionsByRoom.KeyCount;

    /// <summary>How many local connections each non-empty room has right now.</summary>
    public IReadOnlyDictionary<string, int> Counts() =>
        _connectionsByRoom.Counts().ToDictionary(count => count.Key.ToString(), count => count.Value, StringComparer.Ordinal);

    /// <summary>
    /// <paramref name="connectionId"/> when it is a local connection of <paramref name="userId"/>, otherwise
    /// null: an event skips the origin connection it names only when that connection is its actor's, so
    /// nobody can keep an event from another user's connection by naming it.
    /// </summary>
    public string? OwnConnectionOf(Guid userId, string? connectionId) =>
        connectionId is not null && _byConnection.TryGetValue(connectionId, out var state) && state.UserId == userId ? connectionId : null;

    /// <summary>The connections here that are in at least one of <paramref name="rooms"/>, each once.</summary>
    public IReadOnlyList<string> ConnectionsIn(IEnumerable<string> rooms, string? except)
    {
        var connections = new HashSet<string>(StringComparer.Ordinal);
        foreach (var room in rooms)
        {
            // A name that is no room has no members here.
            if (RoomName.TryParse(room, out var name))
            {
                _connectionsByRoom.CopyTo(name, connections);
            }
        }

        if (except is not null)
        {
            connections.Remove(except);
        }

        return connections.ToList();
    }

    /// <summary>Per-connection state: kept small, an idle connection holds one of these and its few rooms.</summary>
    private sealed class ConnectionRooms(Guid userId, bool isAdmin)
    {
        public Guid UserId { get; } = userId;

        public bool IsAdmin { get; set; } = isAdmin;

        /// <summary>The account version <see cref="IsAdmin"/> is from; 0 while it is the token's word.</summary>
        public long RoleVersion { get; set; }

        public SmallSet<RoomName> Rooms { get; } = new();

        public bool Gone { get; set; }

        /// <summary>Whether <see cref="Changed"/> reports this connection yet (see <see cref="Settle"/>).</summary>
        public bool Settled { get; set; }
    }
}

/// <summary>What <see cref="LocalRooms.SetRole"/> did to a connection.</summary>
public enum RoleMove
{
    None,
    Promoted,
    Demoted,
}

/// <summary>A connection entered or left a room on this instance.</summary>
public readonly record struct RoomChange(string ConnectionId, Guid UserId, RoomName Room, bool Joined);
