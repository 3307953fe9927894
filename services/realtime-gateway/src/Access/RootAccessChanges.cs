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
/// <remarks>
/// A connection goes back in only on a "yes" that no later revocation overtook
/// (<see cref="RootReadAccess.TryAdmit"/>), asked again up to <see cref="MaxAttempts"/> times when one
/// did. After a group departure documents-api is asked for an answer no older than the departure: while
/// it answers "not yet applied", the connection stays out and the question is repeated with backoff for
/// up to <see cref="RoomAccessOptions.MembershipCatchUpTimeout"/>; then it stays out for good. At most
/// <see cref="RoomAccessOptions.RechecksPerUser"/> questions about one user are out at once, and one that
/// documents-api refuses for too many requests (429) is asked again after its <c>Retry-After</c>, within
/// the same timeout.
/// </remarks>
public sealed partial class RootAccessChanges : IRootAccessChanges, IAsyncDisposable
{
    private const string RootKind = "root";
    private const string UserKind = "user";

    /// <summary>How many times a recheck overtaken by a revocation asks again before it leaves the connection out.</summary>
    private const int MaxAttempts = 3;

    private static readonly TimeSpan FirstRetryPause = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxRetryPause = TimeSpan.FromSeconds(2);

    private readonly LocalRooms _rooms;
    private readonly JoinedRoots _joined;
    private readonly RootReadAccess _access;
    private readonly ILogger<RootAccessChanges> _logger;
    private readonly IOptions<RoomAccessOptions> _options;
    private readonly TimeProvider _clock;
    private readonly BackplaneRedis? _redis;
    private readonly ChannelSubscriptions? _subscriptions;
    private readonly string? _channel;
    private readonly UserRecheckSlots _slots;

    public RootAccessChanges(
        LocalRooms rooms, JoinedRoots joined, RootReadAccess access, IOptions<RoomAccessOptions> options, TimeProvider clock, ILogger<RootAccessChanges> logger, BackplaneRedis? redis = null)
    {
        _options = options;
        _clock = clock;
        _rooms = rooms;
        _joined = joined;
        _access = access;
        _logger = logger;
        _redis = redis;
        _slots = new UserRecheckSlots(() => options.Value.RechecksPerUser);
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
        await PublishAsync($"{RootKind}|{_redis?.ServerName}|{rootId:D}", RootKind, rootId);
    }

    public async Task UserLeftGroupAsync(Guid userId, Guid groupId, long membershipVersion, CancellationToken cancellationToken)
    {
        // Recorded where every instance reads it before anyone is told: a recheck anywhere names it.
        await _access.UserLeftGroupAsync(userId, groupId, membershipVersion, cancellationToken);
        ApplyUser(userId);
        await PublishAsync($"{UserKind}|{_redis?.ServerName}|{userId:D}|{groupId:D}|{membershipVersion}", UserKind, userId);
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

    /// <summary>Frames: <c>root|{server}|{rootId}</c> and <c>user|{server}|{userId}|{groupId}|{membershipVersion}</c>.</summary>
    private async Task PublishAsync(string text, string kind, Guid id)
    {
        if (_redis is null || _channel is null)
        {
            return;
        }
        await Subscribed;
        var frame = Encoding.UTF8.GetBytes(text);
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
        if (parts.Length < 3 || !Guid.TryParseExact(parts[2], "D", out var id))
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
            case RootKind when parts.Length == 3:
                ApplyRoot(id);
                break;
            case UserKind when parts.Length == 5 && Guid.TryParseExact(parts[3], "D", out _) && long.TryParse(parts[4], out _):
                // The consuming instance recorded the departure (groupId, version) in Redis before it published this.
                _access.ForgetUser(id);
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
        foreach (var (connectionId, rootId, token) in _joined.RootsOf(userId))
        {
            _rooms.Remove(connectionId, RoomName.Root(rootId));
            _ = RecheckAsync(connectionId, userId, token, rootId);
        }
    }

    /// <summary>Out of the room and no longer counted in it: also when a concurrent recheck had put it back.</summary>
    private void StayOut(string connectionId, Guid rootId)
    {
        _joined.Left(connectionId, rootId);
        _rooms.Remove(connectionId, RoomName.Root(rootId));
    }

    private async Task RecheckAsync(string connectionId, Guid userId, string token, Guid rootId)
    {
        var started = _clock.GetTimestamp();
        var pause = FirstRetryPause;
        var attempts = 0;
        while (true)
        {
            var stamp = _access.Stamp(userId, rootId);
            bool readable;
            try
            {
                using (await _slots.EnterAsync(userId))
                {
                    readable = await _access.CanReadAsync(userId, rootId, token, CancellationToken.None);
                }
            }
            catch (MembershipNotYetAppliedException)
            {
                // documents-api has not applied the departure yet: its "yes" would be stale. Stay out, ask again.
                if (!_joined.Has(connectionId, rootId))
                {
                    return;
                }
                if (_clock.GetElapsedTime(started) + pause > _options.Value.MembershipCatchUpTimeout)
                {
                    StayOut(connectionId, rootId);
                    LogCatchUpTimedOut(connectionId, userId, rootId, _options.Value.MembershipCatchUpTimeout);
                    return;
                }
                await Task.Delay(pause, _clock);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, MaxRetryPause.Ticks));
                continue;
            }
            catch (RootAccessThrottledException exception)
            {
                // documents-api limits the questions it takes about one user: ask again when it says, while there is time.
                if (!_joined.Has(connectionId, rootId))
                {
                    return;
                }
                var wait = RetryAfter(exception);
                var elapsed = _clock.GetElapsedTime(started);
                if (elapsed + wait > _options.Value.MembershipCatchUpTimeout)
                {
                    StayOut(connectionId, rootId);
                    LogThrottledGaveUp(connectionId, userId, rootId, elapsed, wait);
                    return;
                }
                LogThrottled(connectionId, userId, rootId, wait);
                await Task.Delay(wait, _clock);
                continue;
            }
            catch (RootAccessUnavailableException exception)
            {
                // Cannot confirm: the connection stays out (it can join again); never in on a guess.
                LogRecheckFailed(connectionId, rootId, exception.Message);
                readable = false;
            }

            if (!readable)
            {
                StayOut(connectionId, rootId);
                LogRemoved(connectionId, userId, rootId);
                return;
            }

            var back = false;
            if (_access.TryAdmit(stamp, () =>
                {
                    if (_joined.Has(connectionId, rootId))
                    {
                        _rooms.Add(connectionId, RoomName.Root(rootId));
                        back = true;
                    }
                }))
            {
                if (back)
                {
                    LogKept(connectionId, userId, rootId);
                }
                return;
            }

            // A revocation overtook the answer; it started a recheck of its own, and this one asks again too.
            if (++attempts >= MaxAttempts)
            {
                StayOut(connectionId, rootId);
                LogRevokedDuringRecheck(connectionId, userId, rootId, attempts);
                return;
            }
        }
    }

    /// <summary>The wait documents-api asked for (a delay or a date), at least <see cref="FirstRetryPause"/>; one second when it named none.</summary>
    private TimeSpan RetryAfter(RootAccessThrottledException throttled)
    {
        var wait = throttled.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - _clock.GetUtcNow(),
            _ => TimeSpan.FromSeconds(1),
        };
        return wait < FirstRetryPause ? FirstRetryPause : wait;
    }

    [LoggerMessage(EventId = GatewayLogEvents.RootAccessRecheckThrottled, Level = LogLevel.Information,
        Message = "documents-api refused to recheck connection {ConnectionId} of user {UserId} on root:{RootId} for now (too many requests for the user): asking again in {Wait}; it stays out meanwhile")]
    private partial void LogThrottled(string connectionId, Guid userId, Guid rootId, TimeSpan wait);

    [LoggerMessage(EventId = GatewayLogEvents.RootAccessRecheckThrottledGaveUp, Level = LogLevel.Warning,
        Message = "Connection {ConnectionId} of user {UserId} stays out of root:{RootId}: documents-api still refused to recheck it after {Elapsed} (too many requests for the user; it asked to wait {Wait}, past the catch-up timeout); the client may join again")]
    private partial void LogThrottledGaveUp(string connectionId, Guid userId, Guid rootId, TimeSpan elapsed, TimeSpan wait);

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

    [LoggerMessage(EventId = GatewayLogEvents.RootAccessCatchUpTimedOut, Level = LogLevel.Warning,
        Message = "Connection {ConnectionId} of user {UserId} stays out of root:{RootId}: documents-api had not applied the user's group departure within {Timeout}; the client may join again")]
    private partial void LogCatchUpTimedOut(string connectionId, Guid userId, Guid rootId, TimeSpan timeout);

    [LoggerMessage(EventId = GatewayLogEvents.RootAccessRevokedDuringRecheck, Level = LogLevel.Information,
        Message = "Connection {ConnectionId} of user {UserId} stays out of root:{RootId}: access to it was revoked during each of {Attempts} rechecks")]
    private partial void LogRevokedDuringRecheck(string connectionId, Guid userId, Guid rootId, int attempts);

    [LoggerMessage(EventId = GatewayLogEvents.RootAccessRemoved, Level = LogLevel.Information, Message = "Connection {ConnectionId} of user {UserId} left root:{RootId}: it may no longer read the root")]
    private partial void LogRemoved(string connectionId, Guid userId, Guid rootId);
}
