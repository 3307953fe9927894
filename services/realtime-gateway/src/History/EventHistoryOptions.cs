using System.ComponentModel.DataAnnotations;

namespace Roomcast.RealtimeGateway.History;

/// <summary>
/// Section <c>History</c>: the bounded recent-event history <c>Resume(lastSeq, epoch)</c> answers from, and the
/// window in which a redelivered bus message is recognised by its event id.
/// </summary>
public sealed class EventHistoryOptions
{
    public const string Section = "History";

    /// <summary>The history keeps at most this many events (all rooms together); older ones are trimmed.</summary>
    [Range(1, 1_000_000)]
    public int MaxEvents { get; set; } = 10_000;

    /// <summary>
    /// The history keeps at most this many bytes of events (their JSON, all rooms together); the oldest are
    /// trimmed, in the same step as the append, so one user's large documents cannot fill Redis.
    /// </summary>
    [Range(1024, long.MaxValue)]
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Events older than this are trimmed (checked whenever an event is appended or a client resumes).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>A client that missed more events than this is told to reload instead of being sent them all.</summary>
    [Range(1, 10_000)]
    public int MaxResumeEvents { get; set; } = 1_000;

    /// <summary>
    /// History entries one <c>Resume</c> call reads at most (in pages of <see cref="EventResume.PageSize"/>):
    /// past it the answer holds what was found so far with <c>more</c>, and the client calls again from its <c>headSeq</c>.
    /// </summary>
    [Range(EventResume.PageSize, 1_000_000)]
    public int MaxResumeScan { get; set; } = 2_048;

    /// <summary>
    /// How long a recorded room gain (the seq from which a user holds a group or <c>admin</c>) is kept:
    /// past <see cref="MaxAge"/>, every event appended before the gain is gone from what a resume serves,
    /// so a missing record means "held since before anything the history still holds" (see <see cref="ResumeRules.HeldSince"/>).
    /// </summary>
    public TimeSpan GainRetention => MaxAge + TimeSpan.FromMinutes(1);

    /// <summary>How long an event id is remembered, so a redelivered bus message is not sent to clients again.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan DedupeWindow { get; set; } = TimeSpan.FromHours(1);
}
