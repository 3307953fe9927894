namespace Roomcast.RealtimeGateway.History;

/// <summary>
/// The event path's one home: appends an event to the recent-event history, gives it its position and
/// announces it to every instance, all in one atomic step; reads the history after a position; and hands
/// announced events to subscribers. In Redis, shared by every instance (<see cref="RedisEventBroker"/>),
/// or in this process when the gateway runs alone (<see cref="InMemoryEventBroker"/>).
/// </summary>
/// <remarks>
/// <para>The guarantee:</para>
/// <list type="bullet">
/// <item>Seqs strictly increase within an epoch and are never reused across epochs: an epoch changes
/// whenever the numbering starts anew, and the new one starts above every seq given before.</item>
/// <item>An append asked to announce publishes the event, with its seq and epoch, if and only if it is new
/// or still pending (appended before but not marked delivered); a copy of a delivered event is not
/// announced. Nothing else is announced.</item>
/// <item>Subscribers receive announcements in the order the appends made them, so new events in seq
/// order (a pending copy announced again carries the seq it was given first), at most once each. Live
/// delivery is at most once: a subscriber cut off from the broker misses what is announced meanwhile (with Redis, the gap
/// recovery in <c>BackplaneGap/</c> then makes the clients of this instance resume), and
/// <c>Resume</c> — <see cref="ReadAfterAsync"/> — makes up the rest.</item>
/// </list>
/// </remarks>
public interface IEventBroker
{
    /// <summary>The origin this instance's announcements carry (<see cref="AnnouncedEntry.Origin"/>).</summary>
    string Instance { get; }

    /// <summary>
    /// Gives a new event the next position and keeps it, in one step with the duplicate check: an event id
    /// seen before keeps the position it was given then, and nothing is appended. The entry's own
    /// <see cref="HistoryEntry.Seq"/> is not read: the position is given here. With an
    /// <paramref name="announcement"/>, an event that is new or still pending is announced to every
    /// subscriber of every instance in the same step.
    /// </summary>
    Task<HistoryAppend> AppendAsync(HistoryEntry entry, Announcement? announcement, CancellationToken cancellationToken);

    /// <summary>Records that the event reached every instance, so a later copy of it is dropped outright (and not announced).</summary>
    Task MarkDeliveredAsync(Guid eventId, long seq, CancellationToken cancellationToken);

    /// <summary>
    /// Looks at up to <paramref name="count"/> entries after <paramref name="afterSeq"/>, oldest first, and
    /// returns those that may be addressed to one of <paramref name="rooms"/> (at least all that are),
    /// with the history's bounds at that moment.
    /// </summary>
    Task<HistoryPage> ReadAfterAsync(long afterSeq, int count, IReadOnlySet<string> rooms, CancellationToken cancellationToken);

    /// <summary>
    /// What the history knows of <paramref name="eventId"/>: its seq and delivery state while the dedupe
    /// window remembers it, its entry while the history keeps it. For admins: it may look through the
    /// whole kept history when the dedupe record is gone.
    /// </summary>
    Task<HistoryTrace> TraceAsync(Guid eventId, CancellationToken cancellationToken);

    /// <summary>
    /// Records that <paramref name="userId"/> holds <paramref name="room"/> from now on and returns the boundary:
    /// the newest seq given so far, so every event appended after this call lies above it. The record replaces
    /// an earlier one for the same room, unless that one has the same <paramref name="cause"/> (the id of the
    /// event that made the change: a redelivered copy keeps the first boundary), and is kept for
    /// <see cref="EventHistoryOptions.GainRetention"/> after its last write.
    /// </summary>
    Task<long> RecordGainAsync(Guid userId, string room, Guid cause, CancellationToken cancellationToken);

    /// <summary>Forgets the record of <paramref name="userId"/> holding <paramref name="room"/> (the user lost it).</summary>
    Task ForgetGainAsync(Guid userId, string room, CancellationToken cancellationToken);

    /// <summary>The rooms <paramref name="userId"/> has a recorded gain for, each with its boundary.</summary>
    Task<IReadOnlyDictionary<string, long>> GainsAsync(Guid userId, CancellationToken cancellationToken);

    /// <summary>
    /// Hands every announcement from now on — this instance's own too — to <paramref name="onAnnounced"/>,
    /// one at a time, in the order of the appends, until the returned subscription is disposed. Completes once the
    /// subscription is in place (with Redis away, once it is pending: a subscriber cut off). Keep the
    /// handler quick; one that throws is logged and the others still get the announcement.
    /// </summary>
    Task<IDisposable> SubscribeAsync(Action<AnnouncedEntry> onAnnounced, CancellationToken cancellationToken);
}

/// <summary>
/// The position an event has, and whether it is new, was appended before but may not have reached
/// everyone, or was delivered. <see cref="Epoch"/> names the numbering <see cref="Seq"/> belongs to: it
/// changes whenever the history starts numbering anew (first start, Redis lost its data, or went back to
/// an older state), so a client holding a position of another epoch is told to reload.
/// </summary>
public readonly record struct HistoryAppend(long Seq, AppendOutcome Outcome, string Epoch);

public enum AppendOutcome
{
    New,
    Pending,
    Delivered,
}

/// <summary>
/// Entries of the history after a position. <see cref="Floor"/>: every event up to this seq may have been
/// trimmed (nothing after it was); <see cref="Head"/>: the newest seq given so far;
/// <see cref="Scanned"/> entries were looked at, the last of them <see cref="LastScanned"/> (the
/// position the next page starts after); <see cref="Epoch"/>: the numbering all of these belong to.
/// </summary>
public sealed record HistoryPage(long Floor, long Head, long LastScanned, int Scanned, string Epoch, IReadOnlyList<HistoryEntry> Entries);
