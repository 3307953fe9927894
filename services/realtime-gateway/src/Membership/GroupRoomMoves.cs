using System.Text.Json;
using Roomcast.Contracts.Rooms;
using Roomcast.RealtimeGateway.Backplane;
using Roomcast.RealtimeGateway.Rooms;
using StackExchange.Redis;

namespace Roomcast.RealtimeGateway.Membership;

/// <summary>
/// Moves every live connection of some users into or out of a <c>group:</c> room: this instance's at
/// once, and, with the backplane, every other instance's through one small message on
/// <c>{prefix}:membership</c>. The consumer awaits the move before it delivers the event, both
/// messages leave on the multiplexer's one command connection, and every instance handles what it hears
/// in publish order (<see cref="SubscriptionDispatch"/>), so every instance applies the move before it
/// sees the event. Pub/sub is at most once: an instance cut off from Redis at that moment misses the
/// move, and its connections keep their old group rooms until they reconnect.
/// </summary>
public sealed partial class GroupRoomMoves : IAsyncDisposable
{
    private readonly LocalRooms _rooms;
    private readonly ILogger<GroupRoomMoves> _logger;
    private readonly BackplaneRedis? _redis;
    private readonly ChannelSubscriptions? _subscriptions;
    private readonly string? _channel;
    private readonly Task _subscribed = Task.CompletedTask;

    public GroupRoomMoves(LocalRooms rooms, ILogger<GroupRoomMoves> logger, BackplaneRedis? redis = null)
    {
        _rooms = rooms;
        _logger = logger;
        _redis = redis;
        if (redis is not null)
        {
            _channel = redis.Channels.Membership;
            _subscriptions = new ChannelSubscriptions(redis, logger);
            _subscribed = _subscriptions.SubscribeAsync(_channel, OnMove);
        }
    }

    /// <summary>Moves the users' connections here, then tells the other instances; throws when Redis cannot take the message (the bus retries the event).</summary>
    public async Task MoveAsync(Guid groupId, IReadOnlyCollection<Guid> users, bool joined)
    {
        if (users.Count == 0)
        {
            return;
        }

        Apply(new GroupRoomMove(_redis?.ServerName ?? "", groupId, [.. users], joined));
        if (_redis is not null)
        {
            await _subscribed;
            var frame = JsonSerializer.SerializeToUtf8Bytes(new GroupRoomMove(_redis.ServerName, groupId, [.. users], joined));
            try
            {
                await _redis.PublishAsync(_channel!, frame);
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                _logger.PublishFailed("membership move", _channel!, exception.Message);
                throw;
            }
        }
    }

    /// <summary>Completes once the move channel is subscribed (or the wait is cancelled).</summary>
    public Task SubscribedAsync(CancellationToken cancellationToken) => _subscribed.WaitAsync(cancellationToken);

    public ValueTask DisposeAsync() => _subscriptions?.DisposeAsync() ?? ValueTask.CompletedTask;

    private void OnMove(string channel, ReadOnlyMemory<byte> frame)
    {
        try
        {
            var move = JsonSerializer.Deserialize<GroupRoomMove>(frame.Span)
                ?? throw new JsonException("A membership move frame was null.");
            if (move.Origin != _redis!.ServerName)
            {
                Apply(move); // the origin applied it before publishing
            }
        }
        catch (Exception exception)
        {
            _logger.HandlerFailed(channel, exception);
        }
    }

    private void Apply(GroupRoomMove move)
    {
        var room = RoomName.Group(move.GroupId);
        var moved = 0;
        foreach (var user in move.Users)
        {
            moved += move.Joined ? _rooms.AddUser(user, room) : _rooms.RemoveUser(user, room);
        }

        LogMoved(room.ToString(), move.Joined ? "joined" : "left", move.Users.Count, moved);
    }

    [LoggerMessage(EventId = GatewayLogEvents.GroupRoomsMoved, Level = LogLevel.Debug, Message = "Group room {Room}: {Users} users' local connections {Direction}; {Moved} connections moved")]
    private partial void LogMoved(string room, string direction, int users, int moved);
}

/// <summary>The message on <c>{prefix}:membership</c>: these users' connections join or leave <c>group:{GroupId}</c>.</summary>
public sealed record GroupRoomMove(string Origin, Guid GroupId, IReadOnlyList<Guid> Users, bool Joined);
