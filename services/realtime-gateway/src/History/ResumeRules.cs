using Roomcast.Contracts.Rooms;

namespace Roomcast.RealtimeGateway.History;

/// <summary>The decisions of a resume, free of any store: whether a gap can be filled, and which events a connection gets.</summary>
public static class ResumeRules
{
    public const string AheadOfHistory = "lastSeq is ahead of the history (the history was reset): reload";
    public const string BeyondHistory = "events after lastSeq were trimmed from the history (by size or age): reload";
    public const string TooManyMissed = "more events were missed than a resume returns: reload";
    public const string OtherEpoch = "the history numbers events anew since that position (another epoch: it was reset or went back to an older state): reload";

    /// <summary>
    /// Why the events after <paramref name="lastSeq"/> cannot all be answered from a history whose
    /// trimmed part ends at <paramref name="floor"/> and whose newest seq is <paramref name="head"/>;
    /// <c>null</c> when they can.
    /// </summary>
    public static string? GapReason(long lastSeq, long floor, long head)
    {
        if (lastSeq > head)
        {
            // A seq this history never gave: Redis lost its data and numbering started again above it.
            return AheadOfHistory;
        }
        // An event after lastSeq, at or below the floor, may have been trimmed: the client cannot know what it missed.
        return lastSeq < floor ? BeyondHistory : null;
    }

    /// <summary>
    /// The rooms of a connection of <paramref name="userId"/> that count for a resume, each with the seq after
    /// which it counts (0: from the start), given the user's recorded <paramref name="gains"/>:
    /// <list type="bullet">
    /// <item><c>user:{self}</c> and <c>all</c> from the start: an event names a user's own room only while the
    /// user may read its record, and <c>all</c> only while its record is readable by every account.</item>
    /// <item><c>admin</c> from the recorded promotion; without a record from the start: records outlive
    /// <see cref="EventHistoryOptions.MaxAge"/>, so a promotion without one is older than anything a resume still serves.</item>
    /// <item><c>group:{g}</c> only from a recorded gain of that membership; without one it does not count:
    /// documents-api names every member it knows of in <c>user:</c> rooms, so a group room adds to a resume
    /// only in the moments after an addition that documents-api has not applied yet, which the record covers.</item>
    /// <item>Every other room (<c>root:</c> rooms and whatever an admin joined) never counts: whoever may
    /// read a root is named through <c>user:</c>, <c>group:</c> or <c>all</c>, an admin through <c>admin</c>;
    /// a joined room adds live delivery only.</item>
    /// </list>
    /// </summary>
    public static IReadOnlyDictionary<string, long> HeldSince(Guid userId, IEnumerable<RoomName> rooms, IReadOnlyDictionary<string, long> gains)
    {
        var held = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var room in rooms)
        {
            var name = room.ToString();
            switch (room.Kind)
            {
                case RoomKind.User when room.Id == userId:
                case RoomKind.All:
                    held[name] = 0;
                    break;
                case RoomKind.Admin:
                    held[name] = gains.GetValueOrDefault(name);
                    break;
                case RoomKind.Group when gains.TryGetValue(name, out var since):
                    held[name] = since;
                    break;
            }
        }
        return held;
    }

    /// <summary>Whether an event given <paramref name="seq"/> and sent to <paramref name="audience"/> reached a room the connection held before it.</summary>
    public static bool Readable(IReadOnlyList<string> audience, long seq, IReadOnlyDictionary<string, long> heldSince)
    {
        foreach (var room in audience)
        {
            if (heldSince.TryGetValue(room, out var since) && since < seq)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Whether a connection in <paramref name="rooms"/> would have received an event sent to <paramref name="audience"/>.</summary>
    public static bool Reaches(IReadOnlyList<string> audience, IReadOnlySet<string> rooms)
    {
        foreach (var room in audience)
        {
            if (rooms.Contains(room))
            {
                return true;
            }
        }
        return false;
    }
}
