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
