using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using StackExchange.Redis;

namespace Roomcast.RealtimeGateway.Connections;

/// <summary>The lifetime manager that carries SignalR's own sends (<c>Clients.Group/User/All</c>), of type <see cref="OpenType"/> (open generic over the hub).</summary>
public sealed record InnerLifetimeManager(Type OpenType);

/// <summary>
/// SignalR's lifetime manager, unchanged, with each connection of this instance also registered in
/// <see cref="LocalConnections"/> while it lives, where the audience path writes to it.
/// </summary>
/// <remarks>
/// With SignalR's Redis backplane inside, connecting needs Redis (the manager subscribes a channel for
/// the connection and one for its user). While Redis is unreachable the connection is still accepted,
/// and served by the audience path only: the inner manager is told it left again, so it holds no
/// half-made subscription, and it never hears of that connection again (hub-level sends reach it once
/// the client reconnects). A group join that fails the same way the inner manager undoes itself.
/// </remarks>
public sealed partial class LocalConnectionsLifetimeManager<THub> : HubLifetimeManager<THub>, IAsyncDisposable
    where THub : Hub
{
    private readonly HubLifetimeManager<THub> _inner;
    private readonly LocalConnections _local;
    private readonly ILogger _logger;

    public LocalConnectionsLifetimeManager(IServiceProvider services, InnerLifetimeManager inner, LocalConnections local, ILogger<LocalConnectionsLifetimeManager<THub>> logger)
    {
        _inner = (HubLifetimeManager<THub>)ActivatorUtilities.CreateInstance(services, inner.OpenType.MakeGenericType(typeof(THub)));
        _local = local;
        _logger = logger;
    }

    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        try
        {
            await _inner.OnConnectedAsync(connection).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsRedisUnreachable(exception))
        {
            LogHubSendsUnavailable(connection.ConnectionId, exception.Message);
            await UndoQuietlyAsync(() => _inner.OnDisconnectedAsync(connection)).ConfigureAwait(false);
            connection.Features.Set(AudiencePathOnly.Instance);
        }
        _local.Add(connection);
    }

    public override Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        _local.Remove(connection);
        return connection.Features.Get<AudiencePathOnly>() is null ? _inner.OnDisconnectedAsync(connection) : Task.CompletedTask;
    }

    public override Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        _inner.SendAllAsync(methodName, args, cancellationToken);

    public override Task SendAllExceptAsync(string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        _inner.SendAllExceptAsync(methodName, args, excludedConnectionIds, cancellationToken);

    public override Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        _inner.SendConnectionAsync(connectionId, methodName, args, cancellationToken);

    public override Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        _inner.SendConnectionsAsync(connectionIds, methodName, args, cancellationToken);

    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        _inner.SendGroupAsync(groupName, methodName, args, cancellationToken);

    public override Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        _inner.SendGroupsAsync(groupNames, methodName, args, cancellationToken);

    public override Task SendGroupExceptAsync(string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        _inner.SendGroupExceptAsync(groupName, methodName, args, excludedConnectionIds, cancellationToken);

    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        _inner.SendUserAsync(userId, methodName, args, cancellationToken);

    public override Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        _inner.SendUsersAsync(userIds, methodName, args, cancellationToken);

    public override Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) =>
        _inner.AddToGroupAsync(connectionId, groupName, cancellationToken);

    public override Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) =>
        _inner.RemoveFromGroupAsync(connectionId, groupName, cancellationToken);

    public override Task<T> InvokeConnectionAsync<T>(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken) =>
        _inner.InvokeConnectionAsync<T>(connectionId, methodName, args, cancellationToken);

    public override Task SetConnectionResultAsync(string connectionId, CompletionMessage result) =>
        _inner.SetConnectionResultAsync(connectionId, result);

    public override bool TryGetReturnType(string invocationId, [NotNullWhen(true)] out Type? type) =>
        _inner.TryGetReturnType(invocationId, out type);

    /// <summary>
    /// Disposes the inner manager. SignalR's Redis manager unsubscribes and closes the multiplexer it was
    /// given, which is a view of the shared one that drops its own channels only and never closes it
    /// (<c>SignalRChannels</c>).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        switch (_inner)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    private static bool IsRedisUnreachable(Exception exception) => exception is RedisException or TimeoutException;

    private async Task UndoQuietlyAsync(Func<Task> undo)
    {
        try
        {
            await undo().ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // Best effort: Redis is away, and what the undo could not tell Redis is gone from it anyway.
            LogUndoFailed(exception.Message);
        }
    }

    [LoggerMessage(EventId = GatewayLogEvents.HubSendsUnavailable, Level = LogLevel.Warning,
        Message = "Connection {ConnectionId} accepted while Redis is unreachable ({Reason}): it gets Roomcast's events, not hub-level sends, until it reconnects")]
    private partial void LogHubSendsUnavailable(string connectionId, string reason);

    [LoggerMessage(EventId = GatewayLogEvents.HubLifetimeUndoFailed, Level = LogLevel.Debug, Message = "Undoing a half-made registration in SignalR's lifetime manager failed: {Reason}")]
    private partial void LogUndoFailed(string reason);

    /// <summary>Marks a connection the inner manager does not hold.</summary>
    private sealed class AudiencePathOnly
    {
        public static readonly AudiencePathOnly Instance = new();
    }
}
