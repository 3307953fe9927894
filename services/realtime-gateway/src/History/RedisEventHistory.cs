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
/// <remarks>Detects a history that went back (see <see cref="SeqHighWater"/>) by the highest seq this instance saw given.</remarks>
public sealed class RedisEventHistory(BackplaneRedis redis, EventHistoryOptions options, SeqHighWater highWater) : IEventHistory
{
    private readonly HistoryKeys _keys = new(redis.Channels.Prefix);

    public async Task<HistoryAppend> AppendAsync(HistoryEntry entry, HistoryAnnouncement? announcement, CancellationToken cancellationToken)
    {
        RedisValue[] arguments = [options.MaxEvents, Milliseconds(options.MaxAge), Milliseconds(options.DedupeWindow), entry.Body(), highWater.Highest, NewEpoch()];
        if (announcement is not null)
        {
            arguments = [.. arguments, announcement.Channel, announcement.Head];
        }
        var reply = await redis.EvalAsync(
            HistoryScripts.Append, [_keys.Head, _keys.Floor, _keys.Log, _keys.Seen(entry.EventId), _keys.Epoch], arguments).WaitAsync(cancellationToken);
        var parts = (RedisResult[])reply!;
        var outcome = (string?)parts[1] switch
        {
            "new" => AppendOutcome.New,
            "pending" => AppendOutcome.Pending,
            "delivered" => AppendOutcome.Delivered,
            var other => throw new RedisException($"The history append answered an unknown state '{other}'."),
        };
        var seq = Number(parts[0]);
        highWater.Observe(seq);
        return new HistoryAppend(seq, outcome, (string)parts[2]!);
    }

    public Task MarkDeliveredAsync(Guid eventId, long seq, CancellationToken cancellationToken) =>
        redis.EvalAsync(HistoryScripts.MarkDelivered, [_keys.Seen(eventId)], [seq]).WaitAsync(cancellationToken);

    public async Task<HistoryPage> ReadAfterAsync(long afterSeq, int count, IReadOnlySet<string> rooms, CancellationToken cancellationToken)
    {
        RedisValue[] arguments = [options.MaxEvents, Milliseconds(options.MaxAge), afterSeq, count, .. rooms.Select(room => (RedisValue)room)];
        var reply = (RedisResult[])(await redis.EvalAsync(HistoryScripts.ReadAfter, [_keys.Head, _keys.Floor, _keys.Log, _keys.Epoch], arguments).WaitAsync(cancellationToken))!;
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

    /// <summary>The epoch a new numbering gets: random, so two numberings never share one.</summary>
    private static string NewEpoch() => Guid.NewGuid().ToString("N")[..12];

    private static long Milliseconds(TimeSpan span) => (long)span.TotalMilliseconds;

    // Scores come back as text in Redis's double format; seqs stay below 2^53, so they are exact.
    private static long Number(RedisResult value) => (long)double.Parse((string)value!, NumberStyles.Float, CultureInfo.InvariantCulture);
}
