using System.ComponentModel.DataAnnotations;

namespace Roomcast.Outbox;

/// <summary>Section <c>Outbox</c>.</summary>
public sealed class OutboxOptions
{
    public const string Section = "Outbox";

    /// <summary>How many events one relay round publishes before it commits.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 200;

    /// <summary>The fallback wake-up when no commit notification arrives (for example after a lost LISTEN connection).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a round's mark (its rows' positions and published time) may wait for the next round's
    /// read to carry it. Under load the next commit comes sooner and the mark rides with its read; a
    /// round of its own for the mark made two PostgreSQL round trips per event instead of one. 0 writes
    /// every mark at once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan MarkDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long one publish may wait for the broker's confirm before the round is retried.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Published events older than this leave the event log; unpublished ones never do.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The most published events the event log keeps, whatever their age; 0 for no count limit.</summary>
    [Range(0, long.MaxValue)]
    public long RetentionMaxEvents { get; set; }

    /// <summary>How often the event log is pruned.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How many events one prune statement deletes, so a large backlog never holds long locks or one huge transaction.</summary>
    [Range(1, 100_000)]
    public int RetentionBatchSize { get; set; } = 1_000;
}
