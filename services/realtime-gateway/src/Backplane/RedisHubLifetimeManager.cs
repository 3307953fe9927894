using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Roomcast.Redis;

namespace Roomcast.RealtimeGateway.Backplane;

/// <summary>
/// SignalR's lifetime manager across gateway instances, on Redis pub/sub (<see cref="BackplaneRedis"/>).
/// </summary>
/// <remarks>
/// <para>Every send reaches the local connections directly (a send to a local connection never touches
/// Redis) and is published once, serialized once per hub protocol, for the other instances; an
/// instance ignores what it published itself. Each instance hears <c>{prefix}:all</c>, the channel of
/// each of its connections, of each user with a local connection and of each group with a local
/// member (subscribed with the first member, dropped with the last).</para>
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
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _groupsOfConnection = new(StringComparer.Ordinal);
    private readonly BackplaneRedis _redis;
    private readonly BackplaneChannels _channels;
    private readonly IReadOnlyList<IHubProtocol> _protocols;
    private readonly BackplaneMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ChannelSubscriptions _subscriptions;
    private readonly ChannelMembers _groups;
    private readonly ChannelMembers _users;
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
        _groups = new ChannelMembers(_subscriptions, _channels.Group, group => Guarded((_, message) => OnGroupMessage(group, message)));
        _users = new ChannelMembers(_subscriptions, _channels.User, user => Guarded((_, message) => OnUserMessage(user, message)));
        _started = SubscribeInstanceChannelsAsync();
    }

    /// <summary>The name of this instance on the backplane.</summary>
    public string ServerName => _redis.ServerName;

    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        await _started.ConfigureAwait(false);
        _connections.Add(connection);
        var connectionId = connection.ConnectionId;
        await _subscriptions.SubscribeAsync(_channels.Connection(connectionId), Guarded((_, message) => OnConnectionMessage(connectionId, message)))
            .ConfigureAwait(false);
        if (connection.UserIdentifier is { } user)
        {
            await _users.AddAsync(user, connection).ConfigureAwait(false);
        }
    }

    public override async Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        var connectionId = connection.ConnectionId;
        _connections.Remove(connection);
        await _subscriptions.UnsubscribeAsync(_channels.Connection(connectionId)).ConfigureAwait(false);
        if (connection.UserIdentifier is { } user)
        {
            await _users.RemoveAsync(user, connectionId).ConfigureAwait(false);
        }
        if (_groupsOfConnection.TryRemove(connectionId, out var groups))
        {
            foreach (var group in groups.Keys)
            {
                await _groups.RemoveAsync(group, connectionId).ConfigureAwait(false);
            }
        }
    }

    public override Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendEverywhereAsync("send to all", _channels.All, Snapshot(_connections), Invocation(methodName, args), excluded: null);

    public override Task SendAllExceptAsync(string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        SendEverywhereAsync("send to all except", _channels.All, Snapshot(_connections), Invocation(methodName, args), excludedConnectionIds);

    public override Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendConnectionAsync(connectionId, Invocation(methodName, args));

    public override Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        var message = Invocation(methodName, args);
        return Task.WhenAll(connectionIds.Distinct(StringComparer.Ordinal).Select(connectionId => SendConnectionAsync(connectionId, message)));
    }

    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendEverywhereAsync("send to group", _channels.Group(groupName), _groups.Of(groupName), Invocation(methodName, args), excluded: null);

    public override Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        var message = Invocation(methodName, args);
        return Task.WhenAll(groupNames.Select(group => SendEverywhereAsync("send to groups", _channels.Group(group), _groups.Of(group), message, excluded: null)));
    }

    public override Task SendGroupExceptAsync(string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        SendEverywhereAsync("send to group except", _channels.Group(groupName), _groups.Of(groupName), Invocation(methodName, args), excludedConnectionIds);

    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendEverywhereAsync("send to user", _channels.User(userId), _users.Of(userId), Invocation(methodName, args), excluded: null);

    public override Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        var message = Invocation(methodName, args);
        return Task.WhenAll(userIds.Distinct(StringComparer.Ordinal)
            .Select(user => SendEverywhereAsync("send to users", _channels.User(user), _users.Of(user), message, excluded: null)));
    }

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
        if (_connections[connectionId] is not null)
        {
            await RemoveLocalAsync(connectionId, groupName).ConfigureAwait(false);
            return;
        }
        await SendGroupCommandAsync(GroupAction.Remove, connectionId, groupName).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes an already serialized message to those of <paramref name="connectionIds"/> that live on this
    /// instance, once each; never touches Redis and never fails for one bad connection.
    /// </summary>
    public Task WriteToLocalAsync(IEnumerable<string> connectionIds, SerializedHubMessage message) =>
        WriteAllAsync(connectionIds.Distinct(StringComparer.Ordinal).Select(id => _connections[id]).OfType<HubConnectionContext>(), message, excluded: null);

    public async ValueTask DisposeAsync()
    {
        await _subscriptions.DisposeAsync().ConfigureAwait(false);
        _acks.Dispose();
    }

    private async Task SubscribeInstanceChannelsAsync()
    {
        await _subscriptions.SubscribeAsync(_channels.All, Guarded((_, message) => OnAllMessage(message))).ConfigureAwait(false);
        await _subscriptions.SubscribeAsync(_channels.GroupCommands, Guarded((_, message) => OnGroupCommand(message))).ConfigureAwait(false);
        await _subscriptions.SubscribeAsync(_channels.Ack(ServerName), Guarded((_, message) => _acks.Acknowledge(BackplaneFraming.ReadAck(message))))
            .ConfigureAwait(false);
    }

    private async Task SendConnectionAsync(string connectionId, SerializedHubMessage message)
    {
        if (_connections[connectionId] is { } connection)
        {
            await WriteAsync(connection, message).ConfigureAwait(false);
            return;
        }
        await PublishAsync("send to connection", _channels.Connection(connectionId), BackplaneFraming.Invocation(ServerName, null, message, _protocols))
            .ConfigureAwait(false);
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
        var groups = _groupsOfConnection.GetOrAdd(connection.ConnectionId, _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal));
        if (groups.TryAdd(groupName, 0))
        {
            await _groups.AddAsync(groupName, connection).ConfigureAwait(false);
        }
    }

    private async Task RemoveLocalAsync(string connectionId, string groupName)
    {
        if (_groupsOfConnection.TryGetValue(connectionId, out var groups) && groups.TryRemove(groupName, out _))
        {
            await _groups.RemoveAsync(groupName, connectionId).ConfigureAwait(false);
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

    private void OnGroupMessage(string group, ReadOnlyMemory<byte> frame)
    {
        var invocation = BackplaneFraming.ReadInvocation(frame);
        if (invocation.Origin != ServerName)
        {
            _ = WriteAllAsync(_groups.Of(group), invocation.Message, invocation.Excluded);
        }
    }

    private void OnUserMessage(string user, ReadOnlyMemory<byte> frame)
    {
        var invocation = BackplaneFraming.ReadInvocation(frame);
        if (invocation.Origin != ServerName)
        {
            _ = WriteAllAsync(_users.Of(user), invocation.Message, invocation.Excluded);
        }
    }

    private void OnConnectionMessage(string connectionId, ReadOnlyMemory<byte> frame)
    {
        if (_connections[connectionId] is { } connection)
        {
            _ = WriteAsync(connection, BackplaneFraming.ReadInvocation(frame).Message);
        }
    }

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
                    await RemoveLocalAsync(command.ConnectionId, command.Group).ConfigureAwait(false);
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
