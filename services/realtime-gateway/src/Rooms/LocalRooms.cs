using System.Collections.Concurrent;
using Roomcast.Contracts.Rooms;

namespace Roomcast.RealtimeGateway.Rooms;

/// <summary>
/// Which rooms each connection on this instance is in, and the reverse. Lets a delivery resolve an
/// audience of many rooms to each connection once, however many of those rooms it is in.
/// </summary>
public sealed class LocalRooms
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _connectionsByRoom = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RoomName[]> _roomsByConnection = new(StringComparer.Ordinal);

    public void Join(string connectionId, IReadOnlyCollection<RoomName> rooms)
    {
        _roomsByConnection[connectionId] = rooms.ToArray();
        foreach (var room in rooms)
        {
            _connectionsByRoom.GetOrAdd(room.ToString(), _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal))[connectionId] = 0;
        }
    }

    public void Leave(string connectionId)
    {
        if (!_roomsByConnection.TryRemove(connectionId, out var rooms))
        {
            return;
        }

        foreach (var room in rooms)
        {
            var name = room.ToString();
            if (_connectionsByRoom.TryGetValue(name, out var members))
            {
                members.TryRemove(connectionId, out _);
                // Drop the empty room, unless a join raced in since: then it stays.
                if (members.IsEmpty)
                {
                    _connectionsByRoom.TryRemove(new KeyValuePair<string, ConcurrentDictionary<string, byte>>(name, members));
                }
            }
        }
    }

    public IReadOnlyCollection<RoomName> RoomsOf(string connectionId) =>
        _roomsByConnection.TryGetValue(connectionId, out var rooms) ? rooms : [];

    /// <summary>The connections here that are in at least one of <paramref name="rooms"/>, each once.</summary>
    public IReadOnlyList<string> ConnectionsIn(IEnumerable<string> rooms, string? except)
    {
        var connections = new HashSet<string>(StringComparer.Ordinal);
        foreach (var room in rooms)
        {
            if (_connectionsByRoom.TryGetValue(room, out var members))
            {
                connections.UnionWith(members.Keys);
            }
        }

        if (except is not null)
        {
            connections.Remove(except);
        }

        return connections.ToList();
    }
}
