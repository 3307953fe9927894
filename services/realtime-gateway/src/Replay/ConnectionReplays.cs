using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Roomcast.RealtimeGateway.Backplane;
using Roomcast.RealtimeGateway.Connections;
using Roomcast.RealtimeGateway.Rooms;

namespace Roomcast.RealtimeGateway.Replay;

/// <summary>
/// Sends replayed events to one connection, or to every connection of one user, on whichever instance
/// holds them. The request goes to every instance on <c>{prefix}:internal:replays</c> (SignalR's
/// <c>Clients.Client</c> would carry it too, but only the instance holding a connection knows the rooms
/// it is in now, which decide what it may get); each sends to the target connections it holds and
/// answers on the origin's <c>{prefix}:internal:replay-answers:{instance}</c>. A connection gets an
/// event only while it is in one of the event's audience rooms; the rest are refused with the reason.
/// Replays go through the connection's <see cref="ConnectionOutbox"/> like live events, in the order
/// given, and touch neither the history nor any other connection.
/// </summary>
public sealed partial class ConnectionReplays : IAsyncDisposable
{
    /// <summary>How long the origin waits for the other instances' answers.</summary>
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(5);

    private readonly LocalRooms _rooms;
    private readonly LocalConnections _connections;
    private readonly ILogger<ConnectionReplays> _logger;
    private readonly BackplaneRedis? _redis;
    private readonly ChannelSubscriptions? _subscriptions;
    private readonly ConcurrentDictionary<Guid, Pending> _pending = new();
    private readonly Task _subscribed = Task.CompletedTask;

    public ConnectionReplays(LocalRooms rooms, LocalConnections connections, ILogger<ConnectionReplays> logger, BackplaneRedis? redis = null)
    {
        _rooms = rooms;
        _connections = connections;
        _logger = logger;
        _redis = redis;
        if (redis is not null)
        {
            _subscriptions = new ChannelSubscriptions(redis, logger);
            _subscribed = Task.WhenAll(
                _subscriptions.SubscribeAsync(redis.Channels.Replays, OnRequest),
                _subscriptions.SubscribeAsync(redis.Channels.ReplayAnswers(redis.ServerName), OnAnswer));
        }
    }

    /// <summary>Completes once both channels are subscribed (or the wait is cancelled).</summary>
    public Task SubscribedAsync(CancellationToken cancellationToken) => _subscribed.WaitAsync(cancellationToken);

    /// <summary>Sends <paramref name="events"/> to the target's connections on every instance; answers what each instance did, and how many did not answer in time.</summary>
    public async Task<(IReadOnlyList<ReplayAnswer> Answers, int Unanswered)> ReplayAsync(ReplayTarget target, IReadOnlyList<ReplayedMessage> events, CancellationToken cancellationToken)
    {
        var here = SendHere(target, events);
        if (_redis is null)
        {
            return ([here], 0);
        }

        await _subscribed.WaitAsync(cancellationToken);
        var request = new ReplayRequest(Guid.NewGuid(), _redis.ServerName, target, events);
        var pending = new Pending();
        _pending[request.Id] = pending;
        try
        {
            var listeners = await _redis.PublishAsync(_redis.Channels.Replays, JsonSerializer.SerializeToUtf8Bytes(request, Json));
            var others = (int)Math.Max(0, listeners - 1); // this instance hears its own request and ignores it
            pending.Expect(others);
            var completed = await Task.WhenAny(pending.All, Task.Delay(AnswerTimeout, cancellationToken));
            if (completed != pending.All)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
            var answers = pending.Received;
            var unanswered = Math.Max(0, others - answers.Count);
            if (unanswered > 0)
            {
                LogAnswersMissing(request.Id, unanswered);
            }
            return ([here, .. answers], unanswered);
        }
        finally
        {
            _pending.TryRemove(request.Id, out _);
        }
    }

    public ValueTask DisposeAsync() => _subscriptions?.DisposeAsync() ?? ValueTask.CompletedTask;

    private ReplayAnswer SendHere(ReplayTarget target, IReadOnlyList<ReplayedMessage> events)
    {
        IReadOnlyList<string> targets = target.ConnectionId is { } connectionId
            ? _rooms.TryGetOwner(connectionId, out _, out _) ? [connectionId] : []
            : _rooms.ConnectionsOf(target.UserId!.Value);
        var done = new List<ConnectionReplay>(targets.Count);
        foreach (var connection in targets)
        {
            if (!_rooms.TryGetOwner(connection, out var userId, out _))
            {
                continue; // closed meanwhile
            }
            var roomsNow = _rooms.RoomsOf(connection).Select(room => room.ToString()).ToHashSet(StringComparer.Ordinal);
            var sent = new List<Guid>();
            var refused = new List<RefusedReplay>();
            foreach (var replayed in events)
            {
                if (!replayed.Audience.Any(roomsNow.Contains))
                {
                    refused.Add(new RefusedReplay(replayed.EventId, connection,
                        $"not in its audience now: connection {connection} is in none of its rooms ({string.Join(", ", replayed.Audience)})"));
                }
                else if (_connections.Write([connection], new SerializedHubMessage(new InvocationMessage(replayed.Event, [replayed.Payload]))) == 1)
                {
                    sent.Add(replayed.EventId);
                }
                else
                {
                    refused.Add(new RefusedReplay(replayed.EventId, connection, $"connection {connection} is closing, or its outbound buffer is full"));
                }
            }
            LogSent(connection, sent.Count, refused.Count);
            done.Add(new ConnectionReplay(connection, userId, sent, refused));
        }
        return new ReplayAnswer(Guid.Empty, _redis?.ServerName ?? "", done);
    }

    private void OnRequest(string channel, ReadOnlyMemory<byte> frame)
    {
        try
        {
            var request = JsonSerializer.Deserialize<ReplayRequest>(frame.Span, Json)
                ?? throw new JsonException("A replay request frame was null.");
            if (request.Origin == _redis!.ServerName)
            {
                return; // the origin sent to its own connections before publishing
            }
            var answer = SendHere(request.Target, request.Events) with { RequestId = request.Id };
            _ = AnswerAsync(request.Origin, answer);
        }
        catch (Exception exception)
        {
            _logger.HandlerFailed(channel, exception);
        }
    }

    private async Task AnswerAsync(string origin, ReplayAnswer answer)
    {
        var channel = _redis!.Channels.ReplayAnswers(origin);
        try
        {
            await _redis.PublishAsync(channel, JsonSerializer.SerializeToUtf8Bytes(answer, Json));
        }
        catch (Exception exception)
        {
            _logger.PublishFailed("replay answer", channel, exception.Message);
        }
    }

    private void OnAnswer(string channel, ReadOnlyMemory<byte> frame)
    {
        try
        {
            var answer = JsonSerializer.Deserialize<ReplayAnswer>(frame.Span, Json)
                ?? throw new JsonException("A replay answer frame was null.");
            if (_pending.TryGetValue(answer.RequestId, out var pending))
            {
                pending.Add(answer);
            }
        }
        catch (Exception exception)
        {
            _logger.HandlerFailed(channel, exception);
        }
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [LoggerMessage(EventId = GatewayLogEvents.ReplaySent, Level = LogLevel.Information, Message = "Replayed {Sent} event(s) to connection {ConnectionId}, refused {Refused}")]
    private partial void LogSent(string connectionId, int sent, int refused);

    [LoggerMessage(EventId = GatewayLogEvents.ReplayAnswersMissing, Level = LogLevel.Warning, Message = "Replay {RequestId}: {Unanswered} instance(s) did not answer in time")]
    private partial void LogAnswersMissing(Guid requestId, int unanswered);

    /// <summary>The answers to one request; complete once as many as instances heard it arrived (answers may come before the count is known).</summary>
    private sealed class Pending
    {
        private readonly List<ReplayAnswer> _received = [];
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _expected = -1;

        public Task All => _all.Task;

        public IReadOnlyList<ReplayAnswer> Received
        {
            get { lock (_received) { return [.. _received]; } }
        }

        public void Expect(int count)
        {
            lock (_received)
            {
                _expected = count;
                Check();
            }
        }

        public void Add(ReplayAnswer answer)
        {
            lock (_received)
            {
                _received.Add(answer);
                Check();
            }
        }

        private void Check()
        {
            if (_expected >= 0 && _received.Count >= _expected)
            {
                _all.TrySetResult();
            }
        }
    }
}

/// <summary>One connection by id, or every connection of one user.</summary>
public sealed record ReplayTarget(string? ConnectionId, Guid? UserId);

/// <summary>An event as replayed: its client event name, its audience and its client payload with <c>replay: true</c>.</summary>
public sealed record ReplayedMessage(Guid EventId, string Event, IReadOnlyList<string> Audience, JsonElement Payload);

public sealed record ReplayRequest(Guid Id, string Origin, ReplayTarget Target, IReadOnlyList<ReplayedMessage> Events);

/// <summary>What one instance did: the target connections it holds, each with the events sent and refused.</summary>
public sealed record ReplayAnswer(Guid RequestId, string Instance, IReadOnlyList<ConnectionReplay> Connections);

public sealed record ConnectionReplay(string ConnectionId, Guid UserId, IReadOnlyList<Guid> Sent, IReadOnlyList<RefusedReplay> Refused);

/// <summary>An event not replayed, to <see cref="ConnectionId"/> (null: to none), and why.</summary>
public sealed record RefusedReplay(Guid EventId, string? ConnectionId, string Reason);
