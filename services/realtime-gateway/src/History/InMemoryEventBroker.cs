namespace Roomcast.RealtimeGateway.History;

/// <summary>
/// The broker of a gateway that runs alone (no <c>Redis__Endpoint</c>): the same rules as
/// <see cref="RedisEventBroker"/>, kept in this process; announcements reach this process's subscribers,
/// called inside the append, so in seq order. Its seqs start at the start time (unix ms ×
/// 1000), so after a restart every older seq lies below the floor and its client is told to reload.
/// Several instances without Redis each number events on their own: a client that reconnects to
/// another one is told to reload, or — if that instance numbered far more events — may get a wrong
/// answer; run several instances only with Redis.
/// </summary>
public sealed class InMemoryEventBroker : IEventBroker
{
    private readonly EventHistoryOptions _options;
    private readonly TimeProvider _clock;
    private readonly Lock _gate = new();
    private readonly LinkedList<(long Seq, DateTimeOffset At, long Bytes, HistoryEntry Entry)> _log = new();
    private readonly Dictionary<Guid, (long Seq, bool Delivered)> _seen = [];
    private readonly Queue<(DateTimeOffset At, Guid EventId)> _seenOrder = new();
    private readonly string _epoch = RedisEventBroker.NewEpoch();
    private readonly Dictionary<Guid, (Dictionary<string, (long Seq, Guid Cause)> Rooms, DateTimeOffset Until)> _gains = [];
    private readonly AnnouncementSubscribers _subscribers;
    private long _bytes;
    private long _head;
    private long _floor;

    /// <param name="instance">The origin of this broker's announcements.</param>
    public InMemoryEventBroker(EventHistoryOptions options, TimeProvider clock, string instance, ILogger logger)
    {
        _options = options;
        _clock = clock;
        Instance = instance;
        _subscribers = new AnnouncementSubscribers(logger);
        _head = _floor = clock.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
    }

    public string Instance { get; }

    public Task<HistoryAppend> AppendAsync(HistoryEntry entry, Announcement? announcement, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = _clock.GetUtcNow();
            ForgetOldIds(now);
            if (_seen.TryGetValue(entry.EventId, out var seen))
            {
                if (!seen.Delivered)
                {
                    Announce(announcement, entry with { Seq = seen.Seq, Epoch = _epoch });
                }
                return Task.FromResult(new HistoryAppend(seen.Seq, seen.Delivered ? AppendOutcome.Delivered : AppendOutcome.Pending, _epoch));
            }
            var seq = ++_head;
            var appended = entry with { Seq = seq, Epoch = _epoch };
            // Counted as the Redis history counts it: the bytes of the entry's JSON.
            var bytes = System.Text.Encoding.UTF8.GetByteCount(entry.Body());
            _log.AddLast((seq, now, bytes, appended));
            _bytes += bytes;
            _seen[entry.EventId] = (seq, false);
            _seenOrder.Enqueue((now, entry.EventId));
            Trim(now);
            Announce(announcement, appended);
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

    public Task<HistoryTrace> TraceAsync(Guid eventId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var kept = _log.Where(item => item.Entry.EventId == eventId).Select(item => ((long Seq, DateTimeOffset At, HistoryEntry Entry)?)(item.Seq, item.At, item.Entry)).FirstOrDefault();
            long? seq = _seen.TryGetValue(eventId, out var seen) ? seen.Seq : kept?.Seq;
            bool? delivered = _seen.TryGetValue(eventId, out seen) ? seen.Delivered : null;
            return Task.FromResult(new HistoryTrace(seq, delivered, kept?.Entry, kept?.At, _floor, _head, _epoch));
        }
    }

    public Task<long> RecordGainAsync(Guid userId, string room, Guid cause, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = _clock.GetUtcNow();
            ForgetOldGains(now);
            var rooms = _gains.TryGetValue(userId, out var held) ? held.Rooms : new Dictionary<string, (long Seq, Guid Cause)>(StringComparer.Ordinal);
            if (!rooms.TryGetValue(room, out var recorded) || recorded.Cause != cause)
            {
                recorded = (_head, cause);
                rooms[room] = recorded;
            }
            _gains[userId] = (rooms, now + _options.GainRetention);
            return Task.FromResult(recorded.Seq);
        }
    }

    public Task ForgetGainAsync(Guid userId, string room, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_gains.TryGetValue(userId, out var held))
            {
                held.Rooms.Remove(room);
            }
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyDictionary<string, long>> GainsAsync(Guid userId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ForgetOldGains(_clock.GetUtcNow());
            IReadOnlyDictionary<string, long> rooms = _gains.TryGetValue(userId, out var held)
                ? held.Rooms.ToDictionary(room => room.Key, room => room.Value.Seq, StringComparer.Ordinal)
                : new Dictionary<string, long>(StringComparer.Ordinal);
            return Task.FromResult(rooms);
        }
    }

    public Task<IDisposable> SubscribeAsync(Action<AnnouncedEntry> onAnnounced, CancellationToken cancellationToken) =>
        Task.FromResult(_subscribers.Add(onAnnounced));

    /// <summary>Under the lock, so subscribers get announcements one at a time in seq order.</summary>
    private void Announce(Announcement? announcement, HistoryEntry entry)
    {
        if (announcement is not null)
        {
            _subscribers.Announce(new AnnouncedEntry(entry, Instance, announcement.ExceptConnectionId, announcement.ActorId));
        }
    }

    private void Trim(DateTimeOffset now)
    {
        var cutoff = now - _options.MaxAge;
        while (_log.First is { } first && (_log.Count > _options.MaxEvents || _bytes > _options.MaxBytes || first.Value.At <= cutoff))
        {
            _floor = Math.Max(_floor, first.Value.Seq);
            _bytes -= first.Value.Bytes;
            _log.RemoveFirst();
        }
    }

    /// <summary>Gains are few (membership and role changes); the ones kept longer than their retention are dropped as in Redis.</summary>
    private void ForgetOldGains(DateTimeOffset now)
    {
        foreach (var (userId, held) in _gains)
        {
            if (held.Until <= now)
            {
                _gains.Remove(userId);
            }
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
