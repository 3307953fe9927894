using System.Globalization;
using Roomcast.RealtimeGateway.Backplane;
using StackExchange.Redis;

namespace Roomcast.RealtimeGateway.History;

/// <summary>
/// The history in Redis, shared by every instance: one sorted set whose entries carry their audience
/// (an event is written once, whatever its audience), a seq counter, and one expiring key per event id
/// for the duplicate check — see <see cref="HistoryScripts"/>. Throws <see cref="RedisException"/> or
/// <see cref="TimeoutException"/> while Redis is unreachable; the bus then retries the event.
/// </summary>
public sealed class RedisEventHistory(BackplaneRedis redis, EventHistoryOptions options) : IEventHistory
{
    private readonly HistoryKeys _keys = new(redis.Channels.Prefix);

    public async Task<HistoryAppend> AppendAsync(HistoryEntry entry, HistoryAnnouncement? announcement, CancellationToken cancellationToken)
    {
        RedisValue[] arguments = [options.MaxEvents, Milliseconds(options.MaxAge), Milliseconds(options.DedupeWindow), entry.Body()];
        if (announcement is not null)
        {
            arguments = [.. arguments, announcement.Channel, announcement.Head];
        }
        var reply = await redis.EvalAsync(
            HistoryScripts.Append, [_keys.Head, _keys.Floor, _keys.Log, _keys.Seen(entry.EventId)], arguments).WaitAsync(cancellationToken);
        var parts = (RedisResult[])reply!;
        var outcome = (string?)parts[1] switch
        {
            "new" => AppendOutcome.New,
            "pending" => AppendOutcome.Pending,
            "delivered" => AppendOutcome.Delivered,
            var other => throw new RedisException($"The history append answered an unknown state '{other}'."),
        };
        return new HistoryAppend(Number(parts[0]), outcome);
    }

    public Task MarkDeliveredAsync(Guid eventId, long seq, CancellationToken cancellationToken) =>
        redis.EvalAsync(HistoryScripts.MarkDelivered, [_keys.Seen(eventId)], [seq]).WaitAsync(cancellationToken);

    public async Task<HistoryPage> ReadAfterAsync(long afterSeq, int count, IReadOnlySet<string> rooms, CancellationToken cancellationToken)
    {
        RedisValue[] arguments = [options.MaxEvents, Milliseconds(options.MaxAge), afterSeq, count, .. rooms.Select(room => (RedisValue)room)];
        var reply = (RedisResult[])(await redis.EvalAsync(HistoryScripts.ReadAfter, [_keys.Head, _keys.Floor, _keys.Log], arguments).WaitAsync(cancellationToken))!;
        var entries = new List<HistoryEntry>((reply.Length - 4) / 2);
        for (var i = 4; i + 1 < reply.Length; i += 2)
        {
            var member = (string)reply[i]!;
            // The member starts with the append time (for trimming by age), then '|', then the entry.
            entries.Add(HistoryEntry.FromBody(Number(reply[i + 1]), member[(member.IndexOf('|', StringComparison.Ordinal) + 1)..]));
        }
        return new HistoryPage(Number(reply[0]), Number(reply[1]), Number(reply[2]), (int)Number(reply[3]), entries);
    }

    private static long Milliseconds(TimeSpan span) => (long)span.TotalMilliseconds;

    // Scores come back as text in Redis's double format; seqs stay below 2^53, so they are exact.
    private static long Number(RedisResult value) => (long)double.Parse((string)value!, NumberStyles.Float, CultureInfo.InvariantCulture);
}
