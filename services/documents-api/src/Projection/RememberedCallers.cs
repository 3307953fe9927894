using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Roomcast.DocumentsApi.Projection;

/// <summary>
/// What this instance remembers of callers the projection was asked about, so the session check costs
/// no round trip for a caller seen a moment ago.
/// </summary>
/// <remarks>
/// Guarantee: an entry is served only while <see cref="CallerChangeListener"/> holds a LISTEN on every
/// change of what it remembers (the projection's tables NOTIFY at commit, migration 0008) that was
/// proven alive within <see cref="LivenessWindow"/> (a notification or an answered probe), and never
/// older than <c>Documents:CallerCacheMaxAge</c>. A change committed while an answer was being read is
/// never remembered over: every notification bumps the generation under the same lock as the store,
/// and an answer read under an older generation is not kept. While the listener is not connected, or
/// not proven alive, nothing is remembered and every request reads the projection, as without this cache.
/// </remarks>
public sealed class RememberedCallers(MembershipProjectionStore projection, TimeProvider time, IOptions<DocumentsOptions> options)
{
    /// <summary>More entries than this and the whole cache is dropped: a bound on memory, not a policy.</summary>
    public const int MaxEntries = 100_000;

    /// <summary>
    /// How recently the LISTEN must have been proven alive for an entry to be served: a connection that
    /// died without a word (an idle drop, a failover) stops the serving within this, not at its probe's timeout.
    /// </summary>
    public static readonly TimeSpan LivenessWindow = TimeSpan.FromSeconds(3);

    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();
    private readonly Lock _gate = new();
    private long _generation;
    private long _aliveAt;
    private volatile bool _listening;

    /// <summary>How long an entry may be served; <see cref="TimeSpan.Zero"/> remembers nothing.</summary>
    public TimeSpan MaxAge => options.Value.CallerCacheMaxAge;

    /// <summary>Whether entries are being kept: the cache is on, the listener connected and proven alive lately.</summary>
    public bool IsRemembering => _listening && MaxAge > TimeSpan.Zero && time.GetElapsedTime(Interlocked.Read(ref _aliveAt)) < LivenessWindow;

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
        // Under the lock a notification's Forget takes: no change heard between the check and the store.
        lock (_gate)
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
        }
    }

    /// <summary>The caller changed (a notification): forget them, and anything read before now.</summary>
    public void Forget(Guid userId)
    {
        lock (_gate)
        {
            Interlocked.Increment(ref _generation);
            _entries.TryRemove(userId, out _);
        }
    }

    /// <summary>Anything may have changed (a TRUNCATE, an unreadable notification, a lost LISTEN).</summary>
    public void ForgetAll()
    {
        lock (_gate)
        {
            Interlocked.Increment(ref _generation);
            _entries.Clear();
        }
    }

    /// <summary>The listener's LISTEN answered (a notification or a probe): it was alive just now.</summary>
    public void ProvenAlive() => Interlocked.Exchange(ref _aliveAt, time.GetTimestamp());

    /// <summary>The listener's LISTEN is in place: from now on every change is heard.</summary>
    public void StartRemembering()
    {
        ForgetAll();
        ProvenAlive();
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
