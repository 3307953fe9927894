using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Roomcast.ServiceDefaults.Logging;

namespace Roomcast.Outbox.Telemetry;

/// <summary>
/// Reads the outbox backlog every <see cref="Interval"/> for <see cref="OutboxMetrics"/>: a scrape only
/// reads the last values, so it never waits on PostgreSQL. Every instance reads the same table, so each
/// reports the service's backlog. The age is measured on the database's clock, which wrote created_at.
/// </summary>
public sealed partial class OutboxBacklogProbe(NpgsqlDataSource dataSource, OutboxMetrics metrics, ILogger<OutboxBacklogProbe> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>Through the partial index of unpublished rows: its cost is the backlog's, not the event log's.</summary>
    private const string BacklogQuery =
        """
        SELECT count(*) AS Events, coalesce(extract(epoch FROM clock_timestamp() - min(created_at)), 0)::float8 AS OldestAgeSeconds
        FROM outbox WHERE published_at IS NULL
        """;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            do
            {
                try
                {
                    await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                    var backlog = await connection.QuerySingleAsync<Backlog>(new CommandDefinition(BacklogQuery, cancellationToken: stoppingToken));
                    metrics.Backlog(backlog.Events, backlog.OldestAgeSeconds);
                }
                catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LogProbeFailed(exception);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private sealed record Backlog(long Events, double OldestAgeSeconds);

    [LoggerMessage(EventId = SharedLogEvents.OutboxBacklogProbeFailed, Level = LogLevel.Warning, Message = "Could not read the outbox backlog for its metrics")]
    private partial void LogProbeFailed(Exception exception);
}
