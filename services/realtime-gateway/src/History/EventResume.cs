using Roomcast.Contracts.Client;
using Roomcast.Contracts.Rooms;

namespace Roomcast.RealtimeGateway.History;

/// <summary>
/// Answers <c>Resume(lastSeq, epoch)</c> from the history of the <see cref="IEventBroker"/>: reads the entries after lastSeq
/// page by page (at most <see cref="EventHistoryOptions.MaxResumeScan"/> entries a call; the store preselects by room), keeps those
/// addressed to a room the connection held before the event (<see cref="ResumeRules.HeldSince"/>: a room gained later does not reach
/// back to what passed in it before), and answers them in seq order — or that the client must reload (see <see cref="ResumeRules"/>).
/// A stretch longer than one call scans is answered with <c>more</c> and where to go on, never as if it were all.
/// </summary>
public sealed partial class EventResume(IEventBroker history, EventHistoryOptions options, ILogger<EventResume> logger)
{
    /// <summary>Entries read from the history per round trip.</summary>
    public const int PageSize = 256;

    /// <summary>The events after <paramref name="lastSeq"/> that a connection of <paramref name="userId"/>, now in <paramref name="rooms"/>, could read when they happened.</summary>
    public async Task<ResumeResult> ResumeAsync(long lastSeq, string epoch, Guid userId, IReadOnlyCollection<RoomName> rooms, CancellationToken cancellationToken)
    {
        var gains = await history.GainsAsync(userId, cancellationToken);
        return await ResumeHeldAsync(lastSeq, epoch, ResumeRules.HeldSince(userId, rooms, gains), cancellationToken);
    }

    /// <summary>The events after <paramref name="lastSeq"/> sent to a room of <paramref name="heldSince"/> after the seq from which it is held.</summary>
    public async Task<ResumeResult> ResumeHeldAsync(long lastSeq, string epoch, IReadOnlyDictionary<string, long> heldSince, CancellationToken cancellationToken)
    {
        var rooms = heldSince.Keys.ToHashSet(StringComparer.Ordinal);
        var page = await history.ReadAfterAsync(lastSeq, PageSize, rooms, cancellationToken);
        var head = page.Head;
        var current = page.Epoch;
        if ((page.Epoch != epoch ? ResumeRules.OtherEpoch : ResumeRules.GapReason(lastSeq, page.Floor, head)) is { } gap)
        {
            return Reload(lastSeq, gap, head, current, scanned: 0);
        }

        var missed = new List<MissedEvent>();
        var cursor = lastSeq;
        var scanned = 0;
        while (true)
        {
            if (page.Epoch != current)
            {
                // The history started numbering anew while this read went on.
                return Reload(lastSeq, ResumeRules.OtherEpoch, head, page.Epoch, scanned);
            }
            if (page.Floor > cursor)
            {
                // Trimming overtook this read: what lay between the cursor and the floor is gone.
                return Reload(lastSeq, ResumeRules.BeyondHistory, head, current, scanned);
            }
            scanned += page.Scanned;
            foreach (var entry in page.Entries)
            {
                if (entry.Seq > head)
                {
                    // Appended after this resume began: the connection receives it live.
                    break;
                }
                if (!ResumeRules.Readable(entry.Audience, entry.Seq, heldSince))
                {
                    continue; // the store's preselection is coarse; the audience and the rooms' boundaries decide
                }
                if (missed.Count == options.MaxResumeEvents)
                {
                    return Reload(lastSeq, ResumeRules.TooManyMissed, head, current, scanned);
                }
                missed.Add(new MissedEvent(entry.Event, entry.ClientPayload()));
            }
            cursor = page.LastScanned;
            if (page.Scanned < PageSize || cursor >= head)
            {
                return Answer(lastSeq, missed, head, current, scanned);
            }
            if (scanned >= options.MaxResumeScan)
            {
                // One call reads a bounded stretch: the client goes on from here.
                return Answer(lastSeq, missed, cursor, current, scanned, more: true);
            }
            page = await history.ReadAfterAsync(cursor, PageSize, rooms, cancellationToken);
        }
    }

    private ResumeResult Answer(long lastSeq, List<MissedEvent> missed, long head, string epoch, int scanned, bool more = false)
    {
        LogResumed(lastSeq, missed.Count, scanned, head, more);
        return new ResumeResult(false, null, head, epoch, missed, more);
    }

    private ResumeResult Reload(long lastSeq, string reason, long head, string epoch, int scanned)
    {
        LogReload(lastSeq, reason, scanned, head);
        return ResumeResult.MustReload(reason, head, epoch);
    }

    [LoggerMessage(EventId = GatewayLogEvents.Resumed, Level = LogLevel.Information, Message = "Resume after seq {LastSeq}: {Missed} missed events (of {Scanned} read), up to {Head}, more to read: {More}")]
    private partial void LogResumed(long lastSeq, int missed, int scanned, long head, bool more);

    [LoggerMessage(EventId = GatewayLogEvents.ResumeReload, Level = LogLevel.Information, Message = "Resume after seq {LastSeq} answered reload: {Reason} ({Scanned} entries read, head {Head})")]
    private partial void LogReload(long lastSeq, string reason, int scanned, long head);
}
