namespace Roomcast.RealtimeGateway.History;

/// <summary>
/// The history of a gateway that runs alone (no <c>Redis__Endpoint</c>): the same rules as
/// <see cref="RedisEventHistory"/>, kept in this process. Its seqs start at the start time (unix ms ×
/// 1000), so after a restart every older seq lies below the floor and its client is told to reload.
/// Several instances without Redis each number events on their own: a client that reconnects to
/// another one is told to reload, or — if that instance numbered far more events — may get a wrong
/// answer; run several instances only with Redis.
/// </summary>
public sealed class InMemoryEventHistory : IEventHistory
{
    private readonly EventHistoryOptions _options;
    private readonly TimeProvider _clock;
    private readonly Lock _gate = new();
    private readonly LinkedList<(long Seq, DateTimeOffset At, HistoryEntry Entry)> _log = new();
    private readonly Dictionary<Guid, (long Seq, bool Delivered)> _seen = [];
    private readonly Queue<(DateTimeOffset At, Guid EventId)> _seenOrder = new();
    private readonly string _epoch = Guid.NewGuid().ToString("N")[..12];
    private long _head;
    private long _floor;

    public InMemoryEventHistory(EventHistoryOptions options, TimeProvider clock)
    {
        _options = options;
        _clock = clock;
        _head = _floor = clock.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
    }

    public Task<HistoryAppend> AppendAsync(HistoryEntry entry, HistoryAnnouncement? announcement, CancellationToken cancellationToken)
    {
        if (announcement is not null)
        {
            throw new InvalidOperationException("The in-memory history has no other instances to announce an event to.");
        }
        lock (_gate)
        {
            var now = _clock.GetUtcNow();
            ForgetOldIds(now);
            if (_seen.TryGetValue(entry.EventId, out var seen))
            {
                return Task.FromResult(new HistoryAppend(seen.Seq, seen.Delivered ? AppendOutcome.Delivered : AppendOutcome.Pending, _epoch));
            }
            var seq = ++_head;
            _log.AddLast((seq, now, entry with { Seq = seq, Epoch = _epoch }));
            _seen[entry.EventId] = (seq, false);
            _seenOrder.Enqueue((now, entry.EventId));
            Trim(now);
            return Task.FromResult(new HistoryAppend(seq, AppendOutcome.New, _epoch));
        }
    }

    public Task MarkDeliveredAsync(Guid eventId, long seq, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_seen.TryGetValue(eventId, out var seen) && seen.Seq == seq)
            {
                _seen[eventId] = (seq, true);
            }
        }
        return Task.CompletedTask;
    }

    public Task<HistoryPage> ReadAfterAsync(long afterSeq, int count, IReadOnlySet<string> rooms, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Trim(_clock.GetUtcNow());
            var scanned = _log.Where(item => item.Seq > afterSeq).Take(count).Select(item => item.Entry).ToList();
            var lastScanned = scanned.Count > 0 ? scanned[^1].Seq : afterSeq;
            return Task.FromResult(new HistoryPage(_floor, _head, lastScanned, scanned.Count, _epoch, [.. scanned.Where(entry => ResumeRules.Reaches(entry.Audience, rooms))]));
        }
    }

    private void Trim(DateTimeOffset now)
    {
        var cutoff = now - _options.MaxAge;
        while (_log.First is { } first && (_log.Count > _options.MaxEvents || first.Value.At <= cutoff))
        {
            _floor = Math.Max(_floor, first.Value.Seq);
            _log.RemoveFirst();
        }
    }

    private void ForgetOldIds(DateTimeOffset now)
    {
        var cutoff = now - _options.DedupeWindow;
        while (_seenOrder.TryPeek(out var oldest) && oldest.At <= cutoff)
        {
            _seen.Remove(_seenOrder.Dequeue().EventId);
        }
    }
}
