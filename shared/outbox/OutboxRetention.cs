using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Roomcast.ServiceDefaults.Logging;

namespace Roomcast.Outbox;

/// <summary>
/// Keeps the event log bounded (ARCHITECTURE.md: "Published rows stay as the event log (retention
/// configurable)"): every <see cref="OutboxOptions.RetentionInterval"/> it deletes the published
/// events older than <see cref="OutboxOptions.Retention"/> or beyond the newest
/// <see cref="OutboxOptions.RetentionMaxEvents"/>, oldest first, in bounded batches. An event that
/// is not published yet is never deleted, however old. Several instances may prune at once: they
/// delete the same rows and the loser finds them gone.
/// </summary>
public sealed partial class OutboxRetention(
    NpgsqlDataSource dataSource,
    TimeProvider clock,
    IOptions<OutboxOptions> options,
    ILogger<OutboxRetention> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RetentionInterval, clock);
        try
        {
            do
            {
                try
                {
                    var deleted = await PruneAsync(dataSource, clock.GetUtcNow() - options.Value.Retention, options.Value.RetentionMaxEvents,
                        options.Value.RetentionBatchSize, stoppingToken);
                    if (deleted > 0)
                    {
                        LogPruned(deleted);
                    }
                }
                catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LogPruneFailed(exception, options.Value.RetentionInterval);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Deletes the events published before <paramref name="publishedBefore"/> and those beyond the
    /// newest <paramref name="maxEvents"/> (0: no count limit), <paramref name="batchSize"/> rows per
    /// statement; returns how many it deleted.
    /// </summary>
    public static async Task<long> PruneAsync(NpgsqlDataSource dataSource, DateTimeOffset publishedBefore, long maxEvents, int batchSize, CancellationToken cancellationToken)
    {
        long total = 0;
        while (true)
        {
            // The oldest numbered rows by seq, through seq's unique index: a batch reads at most
            // batchSize rows however long the log is. seq is given in publish order, so the rows to
            // delete are a prefix; the first one too young (or not yet confirmed) ends the round.
            await using var command = dataSource.CreateCommand(
                """
                WITH oldest AS (
                    SELECT id, seq, published_at FROM outbox WHERE seq IS NOT NULL ORDER BY seq LIMIT $1
                ), doomed AS (
                    SELECT id FROM oldest
                    WHERE published_at IS NOT NULL
                      AND (published_at < $2 OR ($3 > 0 AND seq <= (SELECT last_seq FROM outbox_state) - $3))
                )
                DELETE FROM outbox WHERE id IN (SELECT id FROM doomed)
                """);
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batchSize });
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = publishedBefore.UtcDateTime });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = maxEvents });
            var deleted = await command.ExecuteNonQueryAsync(cancellationToken);
            total += deleted;
            if (deleted < batchSize)
            {
                return total;
            }
        }
    }

    [LoggerMessage(EventId = SharedLogEvents.OutboxPruned, Level = LogLevel.Information, Message = "Pruned {Count} published events from the outbox event log")]
    private partial void LogPruned(long count);

    [LoggerMessage(EventId = SharedLogEvents.OutboxPruneFailed, Level = LogLevel.Error, Message = "Pruning the outbox event log failed; trying again in {Interval}")]
    private partial void LogPruneFailed(Exception exception, TimeSpan interval);
}
