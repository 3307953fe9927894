using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Roomcast.RealtimeGateway.Rooms;
using StackExchange.Redis;

namespace Roomcast.RealtimeGateway.Backplane;

/// <summary>
/// SignalR's lifetime manager across gateway instances, on Redis pub/sub (<see cref="BackplaneRedis"/>).
/// </summary>
/// <remarks>
/// <para>Every send reaches the local connections directly (a send to a local connection never touches
/// Redis) and is published once, serialized once per hub protocol, for the other instances; an
/// instance ignores what it published itself. Each instance hears <c>{prefix}:all</c>,
/// <c>{prefix}:connections</c> and <c>{prefix}:users</c> (sends naming connections or users: every
/// instance picks those it holds, so neither a connection nor a user costs a subscription of its own;
/// Roomcast's events travel by rooms, so such sends are rare), and the channel of each group with a
/// local member (subscribed with the first member, dropped with the last).</para>
/// <para>Adding or removing a connection of another instance to or from a group is a command on
/// <c>{prefix}:internal:groups</c>; the call completes when the owning instance acknowledges it and
/// fails with <see cref="TimeoutException"/> after <see cref="BackplaneOptions.AckTimeout"/>.</para>
/// <para>A write to one connection that fails is logged and counted and never keeps a message from
/// the others. While Redis is unreachable local delivery goes on; the cross-instance part of a send
/// fails at once with a <see cref="RedisException"/> (logged and counted), and subscriptions made
/// meanwhile are completed when Redis is back.</para>
/// </remarks>
public sealed class RedisHubLifetimeManager<THub> : HubLifetimeManager<THub>, IAsyncDisposable
    where THub : Hub
{
    private readonly HubConnectionStore _connections = new();
    private readonly KeyedSets<string, string> _groupChannelsOfConnection = new(StringComparer.Ordinal);
    private readonly BackplaneRedis _redis;
    private readonly BackplaneChannels _channels;
    private readonly IReadOnlyList<IHubProtocol> _protocols;
    private readonly BackplaneMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ChannelSubscriptions _subscriptions;
    private readonly ChannelMembers _groups;
    private readonly KeyedSets<string, HubConnectionContext> _users = new(StringComparer.Ordinal);
    private readonly AckHandler _acks;
    private readonly Task _started;

    public RedisHubLifetimeManager(
        BackplaneRedis redis,
        IHubProtocolResolver protocols,
        BackplaneMetrics metrics,
        ILogger<RedisHubLifetimeManager<THub>> logger)
    {
        _redis = redis;
        _channels = redis.Channels;
        _protocols = protocols.AllProtocols;
        _metrics = metrics;
        _logger = logger;
        _acks = new AckHandler(redis.Options.AckTimeout);
        _subscriptions = new ChannelSubscriptions(redis, logger);
        _groups = new ChannelMembers(_subscriptions, Guarded(OnGroupMessage));
        _started = SubscribeInstanceChannelsAsync();
    }

    /// <summary>The name of this instance on the backplane.</summary>
    public string ServerName => _redis.ServerName;

    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        await _started.ConfigureAwait(false);
        _connections.Add(connection);
        if (connection.UserIdentifier is { } user)
        {
            _users.Add(user, connection);
        }
    }

    public override async Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        _connections.Remove(connection);
        if (connection.UserIdentifier is { } user)
        {
            _users.Remove(user, connection);
        }
        foreach (var channel in _groupChannelsOfConnection.RemoveAll(connection.ConnectionId))
        {
            await _groups.RemoveAsync(channel, connection).ConfigureAwait(false);
        }
    }

    public override Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendEverywhereAsync("send to all", _channels.All, Snapshot(_connections), Invocation(methodName, args), excluded: null);

    public override Task SendAllExceptAsync(string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        SendEverywhereAsync("send to all except", _channels.All, Snapshot(_connections), Invocation(methodName, args), excludedConnectionIds);

    public override Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendConnectionsAsync("send to connection", [connectionId], Invocation(methodName, args));

    public override Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendConnectionsAsync("send to connections", connectionIds, Invocation(methodName, args));

    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendGroupAsync("send to group", groupName, Invocation(methodName, args), excluded: null);

    public override Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        var message = Invocation(methodName, args);
        return Task.WhenAll(groupNames.Select(group => SendGroupAsync("send to groups", group, message, excluded: null)));
    }

    public override Task SendGroupExceptAsync(string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        SendGroupAsync("send to group except", groupName, Invocation(methodName, args), excludedConnectionIds);

    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendUsersAsync("send to user", [userId], Invocation(methodName, args));

    public override Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendUsersAsync("send to users", userIds, Invocation(methodName, args));

    public override async Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        await _started.ConfigureAwait(false);
        if (_connections[connectionId] is { } connection)
        {
            await AddLocalAsync(connection, groupName).ConfigureAwait(false);
            return;
        }
        await SendGroupCommandAsync(GroupAction.Add, connectionId, groupName).ConfigureAwait(false);
    }

    public override async Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        await _started.ConfigureAwait(false);
        if (_connections[connectionId] is { } connection)
        {
            await RemoveLocalAsync(connection, groupName).ConfigureAwait(false);
            return;
        }
        await SendGroupCommandAsync(GroupAction.Remove, connectionId, groupName).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _subscriptions.DisposeAsync().ConfigureAwait(false);
        _acks.Dispose();
    }

    private async Task SubscribeInstanceChannelsAsync()
    {
        await _subscriptions.SubscribeAsync(_channels.All, Guarded((_, message) => OnAllMessage(message))).ConfigureAwait(false);
        await _subscriptions.SubscribeAsync(_channels.Connections, Guarded((_, message) => OnConnectionsMessage(message))).ConfigureAwait(false);
        await _subscriptions.SubscribeAsync(_channels.Users, Guarded((_, message) => OnUsersMessage(message))).ConfigureAwait(false);
        await _subscriptions.SubscribeAsync(_channels.GroupCommands, Guarded((_, message) => OnGroupCommand(message))).ConfigureAwait(false);
        await _subscriptions.SubscribeAsync(_channels.Ack(ServerName), Guarded((_, message) => _acks.Acknowledge(BackplaneFraming.ReadAck(message))))
            .ConfigureAwait(false);
    }

    /// <summary>Local connections directly; the others by one publish that names them all, when there are any.</summary>
    private async Task SendConnectionsAsync(string operation, IReadOnlyList<string> connectionIds, SerializedHubMessage message)
    {
        List<HubConnectionContext>? local = null;
        List<string>? remote = null;
        foreach (var connectionId in connectionIds.Distinct(StringComparer.Ordinal))
        {
            if (_connections[connectionId] is { } connection)
            {
                (local ??= []).Add(connection);
            }
            else
            {
                (remote ??= []).Add(connectionId);
            }
        }
        await SendRoutedAsync(operation, _channels.Connections, local ?? [], remote, message).ConfigureAwait(false);
    }

    /// <summary>The users' local connections now; the other instances by one publish that names the users.</summary>
    private Task SendUsersAsync(string operation, IReadOnlyList<string> userIds, SerializedHubMessage message)
    {
        var users = userIds.Distinct(StringComparer.Ordinal).ToList();
        return SendRoutedAsync(operation, _channels.Users, users.SelectMany(_users.Of).ToList(), users, message);
    }

    private async Task SendRoutedAsync(string operation, string channel, List<HubConnectionContext> local, List<string>? targets, SerializedHubMessage message)
    {
        var written = WriteAllAsync(local, message, excluded: null);
        if (targets is not null)
        {
            await PublishAsync(operation, channel, BackplaneFraming.Routed(ServerName, targets, message, _protocols)).ConfigureAwait(false);
        }
        await written.ConfigureAwait(false);
    }

    private Task SendGroupAsync(string operation, string groupName, SerializedHubMessage message, IReadOnlyList<string>? excluded)
    {
        var channel = _channels.Group(groupName);
        return SendEverywhereAsync(operation, channel, _groups.Of(channel), message, excluded);
    }

    /// <summary>Local connections now, then the other instances through <paramref name="channel"/>.</summary>
    private async Task SendEverywhereAsync(string operation, string channel, IReadOnlyList<HubConnectionContext> local, SerializedHubMessage message, IReadOnlyList<string>? excluded)
    {
        await WriteAllAsync(local, message, excluded).ConfigureAwait(false);
        await PublishAsync(operation, channel, BackplaneFraming.Invocation(ServerName, excluded, message, _protocols)).ConfigureAwait(false);
    }

    private async Task PublishAsync(string operation, string channel, byte[] frame)
    {
        try
        {
            await _redis.PublishAsync(channel, frame).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            _metrics.PublishFailed(operation);
            _logger.PublishFailed(operation, channel, exception.Message);
            throw;
        }
    }

    private async Task SendGroupCommandAsync(GroupAction action, string connectionId, string groupName)
    {
        var (id, acknowledged) = _acks.Create();
        try
        {
            await PublishAsync($"group {action.ToString().ToLowerInvariant()}", _channels.GroupCommands,
                BackplaneFraming.Command(new GroupCommand(id, ServerName, action, groupName, connectionId))).ConfigureAwait(false);
        }
        catch
        {
            _acks.Forget(id);
            throw;
        }
        try
        {
            await acknowledged.ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _logger.AckTimedOut(action, connectionId, groupName, _acks.Timeout);
            throw new TimeoutException(
                $"{action} of connection {connectionId} to group {groupName} was not acknowledged within {_acks.Timeout}: no instance holds that connection, or it did not answer.");
        }
    }

    private async Task AddLocalAsync(HubConnectionContext connection, string groupName)
    {
        var channel = _channels.Group(groupName);
        if (_groupChannelsOfConnection.Add(connection.ConnectionId, channel))
        {
            await _groups.AddAsync(channel, connection).ConfigureAwait(false);
        }
    }

    private async Task RemoveLocalAsync(HubConnectionContext connection, string groupName)
    {
        var channel = _channels.Group(groupName);
        if (_groupChannelsOfConnection.Remove(connection.ConnectionId, channel))
        {
            await _groups.RemoveAsync(channel, connection).ConfigureAwait(false);
        }
    }

    private void OnAllMessage(ReadOnlyMemory<byte> frame)
    {
        var invocation = BackplaneFraming.ReadInvocation(frame);
        if (invocation.Origin != ServerName)
        {
            _ = WriteAllAsync(Snapshot(_connections), invocation.Message, invocation.Excluded);
        }
    }

    private void OnGroupMessage(string channel, ReadOnlyMemory<byte> frame)
    {
        var invocation = BackplaneFraming.ReadInvocation(frame);
        if (invocation.Origin != ServerName)
        {
            _ = WriteAllAsync(_groups.Of(channel), invocation.Message, invocation.Excluded);
        }
    }

    private void OnConnectionsMessage(ReadOnlyMemory<byte> frame)
    {
        var routed = BackplaneFraming.ReadRouted(frame);
        if (routed.Origin != ServerName)
        {
            _ = WriteAllAsync(LocalConnections(routed.Targets), routed.Message, excluded: null);
        }
    }

    /// <summary>Users are distinct in a routed send and a connection has one user, so each connection is written once.</summary>
    private void OnUsersMessage(ReadOnlyMemory<byte> frame)
    {
        var routed = BackplaneFraming.ReadRouted(frame);
        if (routed.Origin != ServerName)
        {
            _ = WriteAllAsync(routed.Targets.SelectMany(_users.Of), routed.Message, excluded: null);
        }
    }

    private IEnumerable<HubConnectionContext> LocalConnections(IEnumerable<string> connectionIds) =>
        connectionIds.Select(id => _connections[id]).OfType<HubConnectionContext>();

    /// <summary>Applies a command for a connection of this instance off the subscriber's read loop, then acknowledges it.</summary>
    private void OnGroupCommand(ReadOnlyMemory<byte> frame)
    {
        var command = BackplaneFraming.ReadCommand(frame);
        if (_connections[command.ConnectionId] is not { } connection)
        {
            return; // another instance's connection, or gone
        }
        _ = Task.Run(async () =>
        {
            try
            {
                if (command.Action == GroupAction.Add)
                {
                    await AddLocalAsync(connection, command.Group).ConfigureAwait(false);
                }
                else
                {
                    await RemoveLocalAsync(connection, command.Group).ConfigureAwait(false);
                }
                await PublishAsync("group ack", _channels.Ack(command.Origin), BackplaneFraming.Ack(command.Id)).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                _logger.HandlerFailed(_channels.GroupCommands, exception);
            }
        });
    }

    /// <summary>Writes to every connection but the excluded ones; completes when all writes have, and never fails.</summary>
    private Task WriteAllAsync(IEnumerable<HubConnectionContext> connections, SerializedHubMessage message, IReadOnlyList<string>? excluded)
    {
        List<Task>? pending = null;
        foreach (var connection in connections)
        {
            if (excluded is not null && excluded.Contains(connection.ConnectionId))
            {
                continue;
            }
            var write = WriteAsync(connection, message);
            if (!write.IsCompleted)
            {
                (pending ??= []).Add(write);
            }
        }
        return pending is null ? Task.CompletedTask : Task.WhenAll(pending);
    }

    /// <summary>One write; a failure is logged and counted, never thrown.</summary>
    private Task WriteAsync(HubConnectionContext connection, SerializedHubMessage message)
    {
        try
        {
            var write = connection.WriteAsync(message);
            return write.IsCompletedSuccessfully ? Task.CompletedTask : ObserveAsync(connection.ConnectionId, write);
        }
        catch (Exception exception)
        {
            WriteFailed(connection.ConnectionId, exception);
            return Task.CompletedTask;
        }
    }

    private async Task ObserveAsync(string connectionId, ValueTask write)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            WriteFailed(connectionId, exception);
        }
    }

    private void WriteFailed(string connectionId, Exception exception)
    {
        _metrics.WriteFailed();
        _logger.WriteFailed(connectionId, exception);
    }

    /// <summary>A subscription handler that logs what it cannot handle instead of throwing into the subscriber.</summary>
    private Action<string, ReadOnlyMemory<byte>> Guarded(Action<string, ReadOnlyMemory<byte>> handler) => (channel, message) =>
    {
        try
        {
            handler(channel, message);
        }
        catch (Exception exception)
        {
            _logger.HandlerFailed(channel, exception);
        }
    };

    private static SerializedHubMessage Invocation(string methodName, object?[] args) =>
        new(new InvocationMessage(methodName, args));

    private static List<HubConnectionContext> Snapshot(HubConnectionStore store)
    {
        var snapshot = new List<HubConnectionContext>(store.Count);
        foreach (var connection in store)
        {
            snapshot.Add(connection);
        }
        return snapshot;
    }
}
