using System.Text.Json;
using Roomcast.Contracts.Client;
using Roomcast.RealtimeGateway.Backplane;
using Roomcast.RealtimeGateway.Connections;
using Roomcast.RealtimeGateway.Rooms;
using Roomcast.ServiceDefaults.Auth;
using StackExchange.Redis;

namespace Roomcast.RealtimeGateway.Accounts;

/// <summary>
/// Makes every live connection of a user follow their account: this instance's at once, and, with the
/// backplane, every other instance's through one small message on <c>{prefix}:internal:accounts</c>.
/// The consumer awaits it before it delivers the event, both leave on the multiplexer's one command
/// connection, and every instance handles what it hears in publish order (<see cref="SubscriptionDispatch"/>),
/// so every instance applies it before it sees the event.
/// <list type="bullet">
/// <item>A promotion puts the user's connections in <c>admin</c> and lets them join any room.</item>
/// <item>A demotion closes the user's admin connections with <see cref="CloseReasons.AccessChanged"/> and
/// takes them out of every room at once: the rooms an admin joined were never checked, so the client
/// reconnects and its rooms are derived anew.</item>
/// <item>Ended sessions close the user's connections whose token is of an older session epoch, with
/// <see cref="CloseReasons.SessionEnded"/>, and take them out of every room.</item>
/// </list>
/// Each carries the projection's state after applying, not the event's, so a replay changes nothing.
/// Pub/sub is at most once: an instance cut off from Redis at that moment misses it, and tells every
/// connection it has to reconnect when it is back (<c>BackplaneGap</c>), which derives the role and checks
/// the session anew.
/// </summary>
public sealed partial class AccountChanges : IAsyncDisposable
{
    private const string RoleKind = "role";
    private const string SessionsKind = "sessions-ended";

    private readonly LocalRooms _rooms;
    private readonly LocalConnections _connections;
    private readonly ILogger<AccountChanges> _logger;
    private readonly BackplaneRedis? _redis;
    private readonly ChannelSubscriptions? _subscriptions;
    private readonly string? _channel;
    private readonly Task _subscribed = Task.CompletedTask;

    public AccountChanges(LocalRooms rooms, LocalConnections connections, ILogger<AccountChanges> logger, BackplaneRedis? redis = null)
    {
        _rooms = rooms;
        _connections = connections;
        _logger = logger;
        _redis = redis;
        if (redis is not null)
        {
            _channel = redis.Channels.Accounts;
            _subscriptions = new ChannelSubscriptions(redis, logger);
            _subscribed = _subscriptions.SubscribeAsync(_channel, OnChange);
        }
    }

    /// <summary>Moves the user's connections to <paramref name="account"/>'s role, here and on every instance; throws when Redis cannot take the message (the bus retries the event).</summary>
    public Task RoleChangedAsync(Guid userId, AccountState account) =>
        ApplyEverywhereAsync(new AccountChange(_redis?.ServerName ?? "", userId, RoleKind, account.IsAdmin ?? false, account.RoleVersion));

    /// <summary>Closes the user's connections of sessions before <paramref name="sessionEpoch"/>, here and on every instance.</summary>
    public Task SessionsEndedAsync(Guid userId, long sessionEpoch) =>
        ApplyEverywhereAsync(new AccountChange(_redis?.ServerName ?? "", userId, SessionsKind, false, sessionEpoch));

    /// <summary>Completes once the channel is subscribed (or the wait is cancelled).</summary>
    public Task SubscribedAsync(CancellationToken cancellationToken) => _subscribed.WaitAsync(cancellationToken);

    public ValueTask DisposeAsync() => _subscriptions?.DisposeAsync() ?? ValueTask.CompletedTask;

    private async Task ApplyEverywhereAsync(AccountChange change)
    {
        Apply(change);
        if (_redis is null)
        {
            return;
        }

        await _subscribed;
        try
        {
            await _redis.PublishAsync(_channel!, JsonSerializer.SerializeToUtf8Bytes(change));
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            _logger.PublishFailed("account change", _channel!, exception.Message);
            throw;
        }
    }

    private void OnChange(string channel, ReadOnlyMemory<byte> frame)
    {
        try
        {
            var change = JsonSerializer.Deserialize<AccountChange>(frame.Span)
                ?? throw new JsonException("An account change frame was null.");
            if (change.Origin != _redis!.ServerName)
            {
                Apply(change); // the origin applied it before publishing
            }
        }
        catch (Exception exception)
        {
            _logger.HandlerFailed(channel, exception);
        }
    }

    private void Apply(AccountChange change)
    {
        var connections = _rooms.ConnectionsOf(change.UserId);
        if (change.Kind == SessionsKind)
        {
            var ended = _connections.Close(connections, CloseReasons.SessionEnded, live => live.User.SessionEpochOf() < change.Version);
            Forget(ended);
            LogSessionsClosed(change.UserId, change.Version, ended.Count);
            return;
        }

        if (change.Kind != RoleKind)
        {
            throw new JsonException($"Unknown account change '{change.Kind}'.");
        }

        var promoted = 0;
        List<string>? demoted = null;
        foreach (var connection in connections)
        {
            switch (_rooms.SetRole(connection, change.IsAdmin, change.Version))
            {
                case RoleMove.Promoted:
                    promoted++;
                    break;
                case RoleMove.Demoted:
                    (demoted ??= []).Add(connection);
                    break;
            }
        }

        // Out of every room even when it was being closed already: it was an admin's.
        IReadOnlyList<string> closedDemoted = demoted is null ? [] : _connections.Close(demoted, CloseReasons.AccessChanged);
        Forget(demoted ?? []);
        LogRoleMoved(change.UserId, change.IsAdmin, change.Version, promoted, closedDemoted.Count);
    }

    /// <summary>
    /// Takes closing connections out of every room at once: SignalR closes them only after the close
    /// message's grace, and meanwhile neither a <c>Resume</c> nor a <c>JOIN_ROOM</c> may go by the rooms an
    /// admin or an ended session held (their calls are refused as from a connection that is closing).
    /// </summary>
    private void Forget(IEnumerable<string> closing)
    {
        foreach (var connection in closing)
        {
            _rooms.Disconnect(connection);
        }
    }

    [LoggerMessage(EventId = GatewayLogEvents.AccountRoleMoved, Level = LogLevel.Information,
        Message = "User {UserId} is admin: {IsAdmin} (account version {Version}); {Promoted} local connections entered admin, {Demoted} were closed (access-changed)")]
    private partial void LogRoleMoved(Guid userId, bool isAdmin, long version, int promoted, int demoted);

    [LoggerMessage(EventId = GatewayLogEvents.AccountSessionsClosed, Level = LogLevel.Information,
        Message = "User {UserId}: sessions before epoch {SessionEpoch} ended; {Closed} local connections closed (session-ended)")]
    private partial void LogSessionsClosed(Guid userId, long sessionEpoch, int closed);
}

/// <summary>
/// The message on <c>{prefix}:internal:accounts</c>: <see cref="Kind"/> <c>role</c> (the user is
/// <see cref="IsAdmin"/> as of account <see cref="Version"/>) or <c>sessions-ended</c> (connections of
/// tokens below session epoch <see cref="Version"/> close).
/// </summary>
public sealed record AccountChange(string Origin, Guid UserId, string Kind, bool IsAdmin, long Version);
