using System.Text;
using Microsoft.Extensions.Options;
using Roomcast.Contracts.Events;
using Roomcast.Contracts.Rooms;
using Roomcast.RealtimeGateway.Backplane;
using Roomcast.RealtimeGateway.Rooms;
using StackExchange.Redis;

namespace Roomcast.RealtimeGateway.Access;

/// <summary>
/// Takes connections out of <c>root:</c> rooms they joined by themselves when their access may have
/// gone, on every instance, before the event that says so is delivered; then asks documents-api again
/// and puts back those that may still read. Nothing leaks meanwhile, and nothing is lost: whoever can
/// read a root is also reached through their own <c>user:</c>, <c>group:</c> or <c>all</c> rooms,
/// which every audience names.
/// </summary>
public sealed partial class RootAccessChanges : IRootAccessChanges, IAsyncDisposable
{
    private const string RootKind = "root";
    private const string UserKind = "user";

    private readonly LocalRooms _rooms;
    private readonly JoinedRoots _joined;
    private readonly RootReadAccess _access;
    private readonly ILogger<RootAccessChanges> _logger;
    private readonly IOptions<RoomAccessOptions> _options;
    private readonly BackplaneRedis? _redis;
    private readonly ChannelSubscriptions? _subscriptions;
    private readonly string? _channel;

    public RootAccessChanges(LocalRooms rooms, JoinedRoots joined, RootReadAccess access, IOptions<RoomAccessOptions> options, ILogger<RootAccessChanges> logger, BackplaneRedis? redis = null)
    {
        _options = options;
        _rooms = rooms;
        _joined = joined;
        _access = access;
        _logger = logger;
        _redis = redis;
        if (redis is not null)
        {
            _channel = redis.Channels.RootAccess;
            _subscriptions = new ChannelSubscriptions(redis, logger);
            Subscribed = _subscriptions.SubscribeAsync(_channel, OnMessage);
        }
    }

    /// <summary>Completes once the other instances' changes are heard (at once without a backplane).</summary>
    public Task Subscribed { get; } = Task.CompletedTask;

    public async Task RecordEventAsync(string recordType, IReadOnlyList<string> audience, CancellationToken cancellationToken)
    {
        if (recordType is not (RecordTypes.DocumentRoot or RecordTypes.UserPermission or RecordTypes.GroupPermission))
        {
            return;
        }
        if (RootOf(audience) is not { } rootId)
        {
            LogNoRootRoom(recordType);
            return;
        }
        ApplyRoot(rootId);
        await PublishAsync(RootKind, rootId);
    }

    public async Task UserLeftGroupAsync(Guid userId, CancellationToken cancellationToken)
    {
        ApplyUser(userId);
        await PublishAsync(UserKind, userId);
    }

    public ValueTask DisposeAsync() => _subscriptions?.DisposeAsync() ?? ValueTask.CompletedTask;

    private static Guid? RootOf(IReadOnlyList<string> audience)
    {
        foreach (var name in audience)
        {
            if (RoomName.TryParse(name, out var room) && room.Kind == RoomKind.Root)
            {
                return room.Id;
            }
        }
        return null;
    }

    private async Task PublishAsync(string kind, Guid id)
    {
        if (_redis is null || _channel is null)
        {
            return;
        }
        await Subscribed;
        var frame = Encoding.UTF8.GetBytes($"{kind}|{_redis.ServerName}|{id:D}");
        try
        {
            // Published before the event's own audience frame on the same connection, so every
            // instance applies it before it delivers the event.
            await _redis.PublishAsync(_channel, frame);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            LogPublishFailed(kind, id, exception.Message);
            throw;
        }
    }

    private void OnMessage(string channel, ReadOnlyMemory<byte> message)
    {
        var parts = Encoding.UTF8.GetString(message.Span).Split('|');
        if (parts.Length != 3 || !Guid.TryParseExact(parts[2], "D", out var id))
        {
            LogMalformed(channel);
            return;
        }
        if (parts[1] == _redis!.ServerName)
        {
            return; // applied here before it was published
        }
        switch (parts[0])
        {
            case RootKind:
                ApplyRoot(id);
                break;
            case UserKind:
                ApplyUser(id);
                break;
            default:
                LogMalformed(channel);
                break;
        }
    }

    private void ApplyRoot(Guid rootId)
    {
        _access.ForgetRoot(rootId);
        var room = RoomName.Root(rootId);
        foreach (var (connectionId, userId, token) in _joined.MembersOf(rootId))
        {
            _rooms.Remove(connectionId, room);
            _ = RecheckAsync(connectionId, userId, token, rootId);
        }
    }

    private void ApplyUser(Guid userId)
    {
        _access.ForgetUser(userId);
        // documents-api applies the same departure from its own queue: ask it only once it has had time to.
        var delay = _options.Value.MembershipRecheckDelay;
        foreach (var (connectionId, rootId, token) in _joined.RootsOf(userId))
        {
            _rooms.Remove(connectionId, RoomName.Root(rootId));
            _ = RecheckAsync(connectionId, userId, token, rootId, delay);
        }
    }

    private async Task RecheckAsync(string connectionId, Guid userId, string token, Guid rootId, TimeSpan delay = default)
    {
        bool readable;
        try
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay);
                _access.ForgetUser(userId);
            }
            readable = await _access.CanReadAsync(userId, rootId, token, CancellationToken.None);
        }
        catch (RootAccessUnavailableException exception)
        {
            // Cannot confirm: the connection stays out (it can join again); never in on a guess.
            LogRecheckFailed(connectionId, rootId, exception.Message);
            readable = false;
        }

        if (readable && _joined.Has(connectionId, rootId))
        {
            _rooms.Add(connectionId, RoomName.Root(rootId));
            LogKept(connectionId, userId, rootId);
        }
        else
        {
            _joined.Left(connectionId, rootId);
            LogRemoved(connectionId, userId, rootId);
        }
    }

    [LoggerMessage(EventId = GatewayLogEvents.RootAccessNoRootRoom, Level = LogLevel.Warning, Message = "A {RecordType} event names no root: room; no root room rechecked")]
    private partial void LogNoRootRoom(string recordType);

    [LoggerMessage(EventId = GatewayLogEvents.RootAccessPublishFailed, Level = LogLevel.Warning, Message = "Could not tell the other instances that the access to {Kind} {Id} changed: {Reason}")]
    private partial void LogPublishFailed(string kind, Guid id, string reason);

    [LoggerMessage(EventId = GatewayLogEvents.RootAccessMalformed, Level = LogLevel.Warning, Message = "Malformed root-access message on {Channel} ignored")]
    private partial void LogMalformed(string channel);

    [LoggerMessage(EventId = GatewayLogEvents.RootAccessRecheckFailed, Level = LogLevel.Warning, Message = "Connection {ConnectionId} stays out of root:{RootId}: its access could not be confirmed ({Reason})")]
    private partial void LogRecheckFailed(string connectionId, Guid rootId, string reason);

    [LoggerMessage(EventId = GatewayLogEvents.RootAccessKept, Level = LogLevel.Information, Message = "Connection {ConnectionId} of user {UserId} may still read root {RootId}: back in its room")]
    private partial void LogKept(string connectionId, Guid userId, Guid rootId);

    [LoggerMessage(EventId = GatewayLogEvents.RootAccessRemoved, Level = LogLevel.Information, Message = "Connection {ConnectionId} of user {UserId} left root:{RootId}: it may no longer read the root")]
    private partial void LogRemoved(string connectionId, Guid userId, Guid rootId);
}
