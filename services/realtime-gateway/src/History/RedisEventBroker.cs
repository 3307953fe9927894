using System.Globalization;
using Roomcast.RealtimeGateway.Backplane;
using StackExchange.Redis;

namespace Roomcast.RealtimeGateway.History;

/// <summary>
/// The broker in Redis, shared by every instance: one sorted set whose entries carry their audience
/// (an event is written once, whatever its audience), a seq counter, and one expiring key per event id
/// for the duplicate check — see <see cref="HistoryScripts"/>; the append script publishes the
/// announcement on <see cref="BackplaneChannels.Audience"/> (a <see cref="BackplaneFraming.AnnouncementHead"/>
/// followed by the entry, <see cref="HistoryEntry.FromAnnounced"/>), and this instance's subscription to
/// that channel hands it to the subscribers. Throws <see cref="RedisException"/> or
/// <see cref="TimeoutException"/> while Redis is unreachable; the consuming instance then gives up its turn (<c>ConsumerTurn</c>).
/// </summary>
/// <remarks>Detects a history that went back (see <see cref="SeqHighWater"/>) by the highest seq this instance saw given, appended or announced.</remarks>
public sealed class RedisEventBroker : IEventBroker, IAsyncDisposable
{
    private readonly BackplaneRedis _redis;
    private readonly EventHistoryOptions _options;
    private readonly SeqHighWater _highWater;
    private readonly BackplaneMetrics _metrics;
    private readonly ILogger _logger;
    private readonly HistoryKeys _keys;
    private readonly AnnouncementSubscribers _subscribers;
    private readonly ChannelSubscriptions _subscriptions;
    private readonly Task _subscribed;

    public RedisEventBroker(BackplaneRedis redis, EventHistoryOptions options, SeqHighWater highWater, BackplaneMetrics metrics, ILogger<RedisEventBroker> logger)
    {
        _redis = redis;
        _options = options;
        _highWater = highWater;
        _metrics = metrics;
        _logger = logger;
        _keys = new HistoryKeys(redis.Channels.Prefix);
        _subscribers = new AnnouncementSubscribers(logger);
        _subscriptions = new ChannelSubscriptions(redis, logger);
        _subscribed = _subscriptions.SubscribeAsync(redis.Channels.Audience, OnAnnounced);
    }

    public string Instance => _redis.ServerName;

    public async Task<HistoryAppend> AppendAsync(HistoryEntry entry, Announcement? announcement, CancellationToken cancellationToken)
    {
        RedisValue[] arguments = [_options.MaxEvents, Milliseconds(_options.MaxAge), _options.MaxBytes, Milliseconds(_options.DedupeWindow), entry.Body(), _highWater.Highest, NewEpoch()];
        if (announcement is not null)
        {
            // An instance never announces on a channel it does not hear yet.
            await _subscribed.ConfigureAwait(false);
            arguments = [.. arguments, _redis.Channels.Audience, BackplaneFraming.AnnouncementHead(_redis.ServerName, announcement.ExceptConnectionId, announcement.ActorId)];
        }
        RedisResult reply;
        try
        {
            reply = await _redis.EvalAsync(
                HistoryScripts.Append, [_keys.Head, _keys.Floor, _keys.Log, _keys.Seen(entry.EventId), _keys.Epoch, _keys.Bytes], arguments).WaitAsync(cancellationToken);
        }
        catch (Exception exception) when (announcement is not null && exception is RedisException or TimeoutException)
        {
            _metrics.PublishFailed("audience");
            _logger.PublishFailed("audience", _redis.Channels.Audience, exception.Message);
            throw;
        }
        var parts = (RedisResult[])reply!;
        var outcome = (string?)parts[1] switch
        {
            "new" => AppendOutcome.New,
            "pending" => AppendOutcome.Pending,
            "delivered" => AppendOutcome.Delivered,
            var other => throw new RedisException($"The history append answered an unknown state '{other}'."),
        };
        var seq = Number(parts[0]);
        _highWater.Observe(seq);
        return new HistoryAppend(seq, outcome, (string)parts[2]!);
    }

    public Task MarkDeliveredAsync(Guid eventId, long seq, CancellationToken cancellationToken) =>
        _redis.EvalAsync(HistoryScripts.MarkDelivered, [_keys.Seen(eventId)], [seq]).WaitAsync(cancellationToken);

    public async Task<HistoryPage> ReadAfterAsync(long afterSeq, int count, IReadOnlySet<string> rooms, CancellationToken cancellationToken)
    {
        RedisValue[] arguments = [_options.MaxEvents, Milliseconds(_options.MaxAge), _options.MaxBytes, afterSeq, count, _highWater.Highest, NewEpoch(), .. rooms.Select(room => (RedisValue)room)];
        var reply = (RedisResult[])(await _redis.EvalAsync(HistoryScripts.ReadAfter, [_keys.Head, _keys.Floor, _keys.Log, _keys.Epoch, _keys.Bytes], arguments).WaitAsync(cancellationToken))!;
        var epoch = (string)reply[4]!;
        var entries = new List<HistoryEntry>((reply.Length - 5) / 2);
        for (var i = 5; i + 1 < reply.Length; i += 2)
        {
            var member = (string)reply[i]!;
            // The member starts with the append time (for trimming by age), then '|', then the entry.
            entries.Add(HistoryEntry.FromBody(Number(reply[i + 1]), member[(member.IndexOf('|', StringComparison.Ordinal) + 1)..]) with { Epoch = epoch });
        }
        return new HistoryPage(Number(reply[0]), Number(reply[1]), Number(reply[2]), (int)Number(reply[3]), epoch, entries);
    }

    public async Task<HistoryTrace> TraceAsync(Guid eventId, CancellationToken cancellationToken)
    {
        var reply = (RedisResult[])(await _redis.EvalAsync(
            HistoryScripts.Trace, [_keys.Seen(eventId), _keys.Log, _keys.Head, _keys.Floor, _keys.Epoch], [eventId.ToString()]).WaitAsync(cancellationToken))!;
        var seq = (string)reply[0]! is { Length: > 0 } text ? long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture) : (long?)null;
        var state = (string)reply[1]!;
        var member = (string)reply[2]!;
        var epoch = (string)reply[5]!;
        HistoryEntry? entry = null;
        DateTimeOffset? appendedAt = null;
        if (seq is { } kept && member.Length > 0)
        {
            var split = member.IndexOf('|', StringComparison.Ordinal);
            appendedAt = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(member.AsSpan(0, split), NumberStyles.None, CultureInfo.InvariantCulture));
            entry = HistoryEntry.FromBody(kept, member[(split + 1)..]) with { Epoch = epoch };
        }
        return new HistoryTrace(seq, state.Length == 0 ? null : state == "delivered", entry, appendedAt, Number(reply[4]), Number(reply[3]), epoch);
    }

    public async Task<long> RecordGainAsync(Guid userId, string room, Guid cause, CancellationToken cancellationToken) =>
        Number(await _redis.EvalAsync(HistoryScripts.RecordGain, [_keys.Head, _keys.Gains(userId)], [room, Milliseconds(_options.GainRetention), cause.ToString("N")]).WaitAsync(cancellationToken));

    public Task ForgetGainAsync(Guid userId, string room, CancellationToken cancellationToken) =>
        _redis.EvalAsync(HistoryScripts.ForgetGain, [_keys.Gains(userId)], [room]).WaitAsync(cancellationToken);

    public async Task<IReadOnlyDictionary<string, long>> GainsAsync(Guid userId, CancellationToken cancellationToken)
    {
        var fields = (RedisResult[])(await _redis.EvalAsync(HistoryScripts.Gains, [_keys.Gains(userId)], []).WaitAsync(cancellationToken))!;
        var gains = new Dictionary<string, long>(fields.Length / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            var recorded = (string)fields[i + 1]!;
            gains[(string)fields[i]!] = long.Parse(recorded.AsSpan(0, recorded.IndexOf(':', StringComparison.Ordinal)), NumberStyles.None, CultureInfo.InvariantCulture);
        }
        return gains;
    }

    public async Task<IDisposable> SubscribeAsync(Action<AnnouncedEntry> onAnnounced, CancellationToken cancellationToken)
    {
        var subscription = _subscribers.Add(onAnnounced);
        try
        {
            await _subscribed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            subscription.Dispose();
            throw;
        }
        return subscription;
    }

    public ValueTask DisposeAsync() => _subscriptions.DisposeAsync();

    /// <summary>Runs on the backplane's dispatch loop: one message at a time, in publish (seq) order.</summary>
    private void OnAnnounced(string channel, ReadOnlyMemory<byte> frame)
    {
        AnnouncedEntry announced;
        try
        {
            var read = BackplaneFraming.ReadAnnounced(frame);
            announced = new AnnouncedEntry(HistoryEntry.FromAnnounced(read.Entry.Span), read.Origin, read.ExceptConnectionId, read.ActorId);
        }
        catch (Exception exception)
        {
            _logger.HandlerFailed(channel, exception);
            return;
        }
        _highWater.Observe(announced.Entry.Seq);
        _subscribers.Announce(announced);
    }

    /// <summary>The epoch a new numbering gets: random, so two numberings never share one.</summary>
    internal static string NewEpoch() => Guid.NewGuid().ToString("N")[..12];

    private static long Milliseconds(TimeSpan span) => (long)span.TotalMilliseconds;

    // Scores come back as text in Redis's double format; seqs stay below 2^53, so they are exact.
    private static long Number(RedisResult value) => (long)double.Parse((string)value!, NumberStyles.Float, CultureInfo.InvariantCulture);
}
