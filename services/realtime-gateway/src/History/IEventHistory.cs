namespace Roomcast.RealtimeGateway.History;

/// <summary>
/// The recent-event history and the record of which event ids were seen: in Redis, shared by every
/// instance (<see cref="RedisEventHistory"/>), or in this process when the gateway runs alone
/// (<see cref="InMemoryEventHistory"/>).
/// </summary>
public interface IEventHistory
{
    /// <summary>
    /// Gives a new event the next position and keeps it, in one step with the duplicate check: an event id
    /// seen before keeps the position it was given then, and nothing is appended. The entry's own
    /// <see cref="HistoryEntry.Seq"/> is not read: the position is given here. With an
    /// <paramref name="announcement"/>, an event that is new or still pending is published to the other
    /// instances in the same step, with its seq (only a history shared through Redis can: the in-memory
    /// one refuses it).
    /// </summary>
    Task<HistoryAppend> AppendAsync(HistoryEntry entry, HistoryAnnouncement? announcement, CancellationToken cancellationToken);

    /// <summary>Records that the event reached every instance, so a later copy of it is dropped outright.</summary>
    Task MarkDeliveredAsync(Guid eventId, long seq, CancellationToken cancellationToken);

    /// <summary>
    /// Looks at up to <paramref name="count"/> entries after <paramref name="afterSeq"/>, oldest first, and
    /// returns those that may be addressed to one of <paramref name="rooms"/> (at least all that are),
    /// with the history's bounds at that moment.
    /// </summary>
    Task<HistoryPage> ReadAfterAsync(long afterSeq, int count, IReadOnlySet<string> rooms, CancellationToken cancellationToken);
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
