using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Rooms;
using Roomcast.RealtimeGateway.Access;
using Roomcast.RealtimeGateway.Accounts;
using Roomcast.RealtimeGateway.Connections;
using Roomcast.RealtimeGateway.Membership;
using Roomcast.RealtimeGateway.Rooms;
using Roomcast.ServiceDefaults.Auth;

namespace Roomcast.RealtimeGateway.Hubs;

/// <summary>
/// The hub clients connect to. On connect a socket joins <c>user:{self}</c>, <c>all</c>, <c>admin</c>
/// for admins and <c>group:{g}</c> for each of the user's groups (role and groups from the gateway's
/// projections, not the token, which goes stale); a token past its expiry or of an ended session is
/// refused with the reason. Events then reach it through
/// <see cref="Delivery.AudienceDelivery"/>. The client methods live in the other parts of this class,
/// one file per feature, and take their services as parameters.
/// </summary>
[Authorize]
public sealed partial class NotificationsHub(
    LocalRooms rooms,
    IUserGroups groups,
    IAccountProjection accounts,
    JoinedRoots joinedRoots,
    IOptions<HubLimitsOptions> limits,
    TimeProvider time,
    ILogger<NotificationsHub> logger) : Hub
{
    public override async Task OnConnectedAsync()
    {
        var user = Context.User;
        if (user?.UserId() is not { } userId)
        {
            // A token without a usable subject cannot be placed in any room: refuse it outright.
            LogRefused(Context.ConnectionId);
            Context.Abort();
            return;
        }

        if (rooms.ConnectionsOf(userId).Count >= limits.Value.MaxConnectionsPerUser)
        {
            LogTooManyConnections(Context.ConnectionId, userId, limits.Value.MaxConnectionsPerUser);
            throw new HubException($"This user holds {limits.Value.MaxConnectionsPerUser} connections to this instance already, the most it may: close one first.");
        }

        // The token validator tolerates clock skew; a connection never starts on a token past its expiry.
        if (TokenExpiry.Of(Context.GetHttpContext()) <= time.GetUtcNow())
        {
            LogRefusedExpiredToken(Context.ConnectionId, userId);
            throw new HubException(CloseReasons.TokenExpired);
        }

        var joined = new List<RoomName> { RoomName.User(userId), RoomName.All };
        // Registered before the account and the groups are read, so a role change, a session end or a
        // membership move that lands meanwhile reaches this connection too (each applies to the user's
        // registered connections); admin only once the account says so.
        rooms.Connect(Context.ConnectionId, userId, isAdmin: false, joined, settled: false);
        try
        {
            var account = await accounts.StateOfAsync(userId, Context.ConnectionAborted);
            if (user.SessionEpochOf() < account.SessionEpoch)
            {
                LogRefusedEndedSession(Context.ConnectionId, userId, user.SessionEpochOf(), account.SessionEpoch);
                throw new HubException(CloseReasons.SessionEnded);
            }

            // The role as the account has it now; the token's word only for a user no event told of yet.
            if (rooms.SetRole(Context.ConnectionId, account.IsAdmin ?? user.IsAdmin(), account.RoleVersion) == RoleMove.Promoted)
            {
                joined.Add(RoomName.Admin);
            }

            foreach (var group in await groups.GroupsOfAsync(userId, Context.ConnectionAborted))
            {
                var room = RoomName.Group(group);
                rooms.Add(Context.ConnectionId, room);
                joined.Add(room);
            }
        }
        catch (Exception exception)
        {
            // SignalR does not call OnDisconnectedAsync for a connection whose OnConnectedAsync failed.
            rooms.Disconnect(Context.ConnectionId);
            if (exception is StackExchange.Redis.RedisException or TimeoutException)
            {
                LogGroupsUnavailable(Context.ConnectionId, userId, exception.Message);
                throw new HubException(CloseReasons.GatewayUnavailable);
            }
            throw;
        }

        // Counted and announced (presence) only now, with the role and groups it connected with.
        rooms.Settle(Context.ConnectionId);
        LogConnected(Context.ConnectionId, userId, string.Join(",", joined));
        await base.OnConnectedAsync();
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        rooms.Disconnect(Context.ConnectionId);
        joinedRoots.Forget(Context.ConnectionId);
        LogDisconnected(Context.ConnectionId, exception?.Message);
        await base.OnDisconnectedAsync(exception);
    }

    [LoggerMessage(EventId = GatewayLogEvents.HubConnected, Level = LogLevel.Information, Message = "Connection {ConnectionId} of user {UserId} joined {Rooms}")]
    private partial void LogConnected(string connectionId, Guid userId, string rooms);

    [LoggerMessage(EventId = GatewayLogEvents.HubDisconnected, Level = LogLevel.Information, Message = "Connection {ConnectionId} left ({Reason})")]
    private partial void LogDisconnected(string connectionId, string? reason);

    [LoggerMessage(EventId = GatewayLogEvents.TooManyConnections, Level = LogLevel.Warning, Message = "Connection {ConnectionId} of user {UserId} refused: the user holds {Max} connections to this instance already")]
    private partial void LogTooManyConnections(string connectionId, Guid userId, int max);

    [LoggerMessage(EventId = GatewayLogEvents.HubRefused, Level = LogLevel.Warning, Message = "Connection {ConnectionId} refused: its token has no user id")]
    private partial void LogRefused(string connectionId);

    [LoggerMessage(EventId = GatewayLogEvents.HubRefusedEndedSession, Level = LogLevel.Information,
        Message = "Connection {ConnectionId} of user {UserId} refused: its token is of session epoch {TokenEpoch}, the user's sessions before {SessionEpoch} ended")]
    private partial void LogRefusedEndedSession(string connectionId, Guid userId, long tokenEpoch, long sessionEpoch);

    [LoggerMessage(EventId = GatewayLogEvents.HubRefusedExpiredToken, Level = LogLevel.Information, Message = "Connection {ConnectionId} of user {UserId} refused: its access token has expired")]
    private partial void LogRefusedExpiredToken(string connectionId, Guid userId);

    [LoggerMessage(EventId = GatewayLogEvents.HubGroupsUnavailable, Level = LogLevel.Warning,
        Message = "Connection {ConnectionId} of user {UserId} refused: its account and groups cannot be read from Redis ({Reason}); the client is told to try again")]
    private partial void LogGroupsUnavailable(string connectionId, Guid userId, string reason);
}
