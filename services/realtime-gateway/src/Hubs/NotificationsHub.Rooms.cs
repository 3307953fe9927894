using Microsoft.AspNetCore.SignalR;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Rooms;
using Roomcast.RealtimeGateway.Access;
using Roomcast.RealtimeGateway.Rooms;

namespace Roomcast.RealtimeGateway.Hubs;

/// <summary>
/// <c>JOIN_ROOM</c> / <c>LEAVE_ROOM</c>: admins join and leave any valid room; other users join a
/// <c>root:{id}</c> they can read (documents-api says so, to their own token) and leave the root rooms
/// they joined. The answer is a <see cref="RoomAck"/>; a refusal is a <see cref="HubException"/> with
/// its reason. A revocation the gateway applies while documents-api's answer is on its way wins: the
/// join asks again (up to <see cref="MaxJoinAttempts"/> times) instead of entering on that answer.
/// </summary>
public sealed partial class NotificationsHub
{
    /// <summary>How many times a join whose answer a revocation overtook is asked again before it is refused.</summary>
    private const int MaxJoinAttempts = 3;

    [HubMethodName(ClientMethods.JoinRoom)]
    public async Task<RoomAck> JoinRoom(string? room, LocalRooms localRooms, RootReadAccess access, JoinedRoots joined)
    {
        var name = ParseRoom(room);
        var (userId, isAdmin) = Owner(localRooms);
        if (isAdmin)
        {
            localRooms.Add(Context.ConnectionId, name);
            LogJoined(Context.ConnectionId, userId, name.ToString());
            return new RoomAck(name.ToString(), Member: true);
        }

        if (name.Kind != RoomKind.Root)
        {
            LogJoinRefused(Context.ConnectionId, userId, name.ToString(), "not a root room");
            throw new HubException($"Only admins may join {name}; you may join the root:{{id}} rooms of roots you can read.");
        }

        var token = BearerToken.Of(Context.GetHttpContext())
            ?? throw new HubException("This connection carries no access token to prove your access with; reconnect.");
        for (var attempt = 1; ; attempt++)
        {
            // Taken before asking: a revocation the gateway applies while documents-api's answer is on
            // its way must win over that answer.
            var stamp = access.Stamp(userId, name.Id);
            bool readable;
            try
            {
                readable = await access.CanReadAsync(userId, name.Id, token, Context.ConnectionAborted);
            }
            catch (RootAccessUnavailableException exception)
            {
                throw new HubException(exception.Message);
            }
            if (!readable)
            {
                // documents-api says no now: out of the room too, if it was in.
                joined.Left(Context.ConnectionId, name.Id);
                localRooms.Remove(Context.ConnectionId, name);
                LogJoinRefused(Context.ConnectionId, userId, name.ToString(), "cannot read the root");
                // The same words whether the root does not exist or is not readable: nothing leaks.
                throw new HubException($"You cannot join {name}: there is no root you can read with that id.");
            }

            // Recorded before the room is entered, so an access change from now on takes it out again;
            // entered only if no access change came since the question was asked.
            joined.Joined(Context.ConnectionId, userId, token, name.Id);
            if (access.TryAdmit(stamp, () => localRooms.Add(Context.ConnectionId, name)))
            {
                LogJoined(Context.ConnectionId, userId, name.ToString());
                return new RoomAck(name.ToString(), Member: true);
            }

            LogJoinOvertaken(Context.ConnectionId, userId, name.ToString(), attempt);
            if (attempt >= MaxJoinAttempts)
            {
                joined.Left(Context.ConnectionId, name.Id);
                localRooms.Remove(Context.ConnectionId, name);
                throw new HubException($"You cannot join {name} now: access to it changed while it was being checked; try again.");
            }
        }
    }

    [HubMethodName(ClientMethods.LeaveRoom)]
    public RoomAck LeaveRoom(string? room, LocalRooms localRooms, JoinedRoots joined)
    {
        var name = ParseRoom(room);
        var (userId, isAdmin) = Owner(localRooms);
        if (!isAdmin && name.Kind != RoomKind.Root)
        {
            throw new HubException($"{name} follows your account; only root:{{id}} rooms you joined can be left.");
        }

        if (name.Kind == RoomKind.Root)
        {
            joined.Left(Context.ConnectionId, name.Id);
        }
        localRooms.Remove(Context.ConnectionId, name);
        LogLeft(Context.ConnectionId, userId, name.ToString());
        return new RoomAck(name.ToString(), Member: false);
    }

    private static RoomName ParseRoom(string? room) =>
        RoomName.TryParse(room, out var name)
            ? name
            : throw new HubException($"'{Shorten(room)}' is not a room name: expected user:{{uuid}}, group:{{uuid}}, root:{{uuid}}, all or admin (lower case).");

    private static string? Shorten(string? text) => text is { Length: > 80 } ? text[..80] + "…" : text;

    private (Guid UserId, bool IsAdmin) Owner(LocalRooms localRooms) =>
        localRooms.TryGetOwner(Context.ConnectionId, out var userId, out var isAdmin)
            ? (userId, isAdmin)
            : throw new HubException("This connection is not registered (it is closing); reconnect.");

    [LoggerMessage(EventId = GatewayLogEvents.HubRoomsJoined, Level = LogLevel.Information, Message = "Connection {ConnectionId} of user {UserId} joined {Room}")]
    private partial void LogJoined(string connectionId, Guid userId, string room);

    [LoggerMessage(EventId = GatewayLogEvents.HubRoomsJoinRefused, Level = LogLevel.Information, Message = "Connection {ConnectionId} of user {UserId} was refused {Room}: {Reason}")]
    private partial void LogJoinRefused(string connectionId, Guid userId, string room, string reason);

    [LoggerMessage(EventId = GatewayLogEvents.HubRoomsJoinOvertaken, Level = LogLevel.Information,
        Message = "Connection {ConnectionId} of user {UserId}: access to {Room} changed while its join was checked (attempt {Attempt}); not entered on that answer")]
    private partial void LogJoinOvertaken(string connectionId, Guid userId, string room, int attempt);

    [LoggerMessage(EventId = GatewayLogEvents.HubRoomsLeft, Level = LogLevel.Information, Message = "Connection {ConnectionId} of user {UserId} left {Room}")]
    private partial void LogLeft(string connectionId, Guid userId, string room);
}
