using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Roomcast.DocumentsApi.Projection;

/// <summary>
/// What this instance remembers of callers the projection was asked about, so the session check costs
/// no round trip for a caller seen a moment ago.
/// </summary>
/// <remarks>
/// Guarantee: an entry is served only while <see cref="CallerChangeListener"/> holds a live LISTEN on
/// every change of what it remembers (the projection's tables NOTIFY at commit, migration 0008), and
/// never older than <c>Documents:CallerCacheMaxAge</c>. A change committed while an answer was being
/// read is never remembered over: the listener's every notification bumps the generation, and an
/// answer read under an older generation is not kept. While the listener is not connected nothing is
/// remembered and every request reads the projection, as without this cache.
/// </remarks>
public sealed class RememberedCallers(MembershipProjectionStore projection, TimeProvider time, IOptions<DocumentsOptions> options)
{
    /// <summary>More entries than this and the whole cache is dropped: a bound on memory, not a policy.</summary>
    public const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();
    private long _generation;
    private volatile bool _listening;

    /// <summary>How long an entry may be served; <see cref="TimeSpan.Zero"/> remembers nothing.</summary>
    public TimeSpan MaxAge => options.Value.CallerCacheMaxAge;

    /// <summary>Whether entries are being kept (the listener is connected and the cache is on).</summary>
    public bool IsRemembering => _listening && MaxAge > TimeSpan.Zero;

    /// <summary>Read before asking the projection; handed back to <see cref="Remember"/> with the answer.</summary>
    internal long Generation => Interlocked.Read(ref _generation);

    /// <summary>What the projection holds about the caller: remembered, or read (one round trip) and remembered.</summary>
    public async ValueTask<ProjectedCaller> FindAsync(Guid userId, CancellationToken cancellationToken)
    {
        if (TryRecall(userId, out var caller))
        {
            return caller;
        }

        var generation = Generation;
        var readAt = time.GetTimestamp();
        caller = await projection.FindCallerAsync(userId, cancellationToken);
        Remember(userId, caller, generation, readAt);
        return caller;
    }

    internal bool TryRecall(Guid userId, out ProjectedCaller caller)
    {
        if (IsRemembering && _entries.TryGetValue(userId, out var entry) && time.GetElapsedTime(entry.ReadAt) < MaxAge)
        {
            caller = entry.Caller;
            return true;
        }

        caller = default!;
        return false;
    }

    /// <summary>Keeps <paramref name="caller"/> unless anything changed since <paramref name="generationBeforeRead"/>.</summary>
    internal void Remember(Guid userId, ProjectedCaller caller, long generationBeforeRead, long readAt)
    {
        if (!IsRemembering || Generation != generationBeforeRead)
        {
            return;
        }

        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        _entries[userId] = new Entry(caller, readAt);
        // A notification between the check above and the store: its Forget may have run before the
        // store, so the entry goes again.
        if (Generation != generationBeforeRead)
        {
            _entries.TryRemove(userId, out _);
        }
    }

    /// <summary>The caller changed (a notification): forget them, and anything read before now.</summary>
    public void Forget(Guid userId)
    {
        Interlocked.Increment(ref _generation);
        _entries.TryRemove(userId, out _);
    }

    /// <summary>Anything may have changed (a TRUNCATE, an unreadable notification).</summary>
    public void ForgetAll()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
    }

    /// <summary>The listener's LISTEN is in place: from now on every change is heard.</summary>
    public void StartRemembering()
    {
        ForgetAll();
        _listening = true;
    }

    /// <summary>The listener lost its connection: changes may go unheard, so nothing is served or kept.</summary>
    public void StopRemembering()
    {
        _listening = false;
        ForgetAll();
    }

    private sealed record Entry(ProjectedCaller Caller, long ReadAt);
}
