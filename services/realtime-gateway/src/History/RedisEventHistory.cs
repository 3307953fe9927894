using System.Globalization;
using Roomcast.RealtimeGateway.Backplane;
using Roomcast.Redis;

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
        RedisArgument[] arguments = [options.MaxEvents, Milliseconds(options.MaxAge), Milliseconds(options.DedupeWindow), entry.Body(), highWater.Highest, NewEpoch()];
        if (announcement is not null)
        {
            arguments = [.. arguments, announcement.Channel, announcement.Head];
        }
        var reply = await redis.EvalAsync(
            HistoryScripts.Append, [_keys.Head, _keys.Floor, _keys.Log, _keys.Seen(entry.EventId), _keys.Epoch], arguments).WaitAsync(cancellationToken);
        var parts = reply.AsArray();
        var outcome = parts[1].AsString() switch
        {
            "new" => AppendOutcome.New,
            "pending" => AppendOutcome.Pending,
            "delivered" => AppendOutcome.Delivered,
            var other => throw new RedisProtocolException($"The history append answered an unknown state '{other}'."),
        };
        var seq = Number(parts[0]);
        highWater.Observe(seq);
        return new HistoryAppend(seq, outcome, parts[2].AsString()!);
    }

    public Task MarkDeliveredAsync(Guid eventId, long seq, CancellationToken cancellationToken) =>
        redis.EvalAsync(HistoryScripts.MarkDelivered, [_keys.Seen(eventId)], [seq]).WaitAsync(cancellationToken);

    public async Task<HistoryPage> ReadAfterAsync(long afterSeq, int count, IReadOnlySet<string> rooms, CancellationToken cancellationToken)
    {
        RedisArgument[] arguments = [options.MaxEvents, Milliseconds(options.MaxAge), afterSeq, count, .. rooms.Select(room => (RedisArgument)room)];
        var reply = (await redis.EvalAsync(HistoryScripts.ReadAfter, [_keys.Head, _keys.Floor, _keys.Log, _keys.Epoch], arguments).WaitAsync(cancellationToken)).AsArray();
        var epoch = reply[4].AsString()!;
        var entries = new List<HistoryEntry>((reply.Count - 5) / 2);
        for (var i = 5; i + 1 < reply.Count; i += 2)
        {
            var member = reply[i].AsString()!;
            // The member starts with the append time (for trimming by age), then '|', then the entry.
            entries.Add(HistoryEntry.FromBody(Number(reply[i + 1]), member[(member.IndexOf('|', StringComparison.Ordinal) + 1)..]) with { Epoch = epoch });
        }
        return new HistoryPage(Number(reply[0]), Number(reply[1]), Number(reply[2]), (int)Number(reply[3]), epoch, entries);
    }

    /// <summary>The epoch a new numbering gets: random, so two numberings never share one.</summary>
    private static string NewEpoch() => Guid.NewGuid().ToString("N")[..12];

    private static long Milliseconds(TimeSpan span) => (long)span.TotalMilliseconds;

    // Scores come back as text in Redis's double format; seqs stay below 2^53, so they are exact.
    private static long Number(RedisValue value) => (long)double.Parse(value.AsString()!, NumberStyles.Float, CultureInfo.InvariantCulture);
}
