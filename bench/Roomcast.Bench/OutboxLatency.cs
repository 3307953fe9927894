using Npgsql;

namespace Roomcast.Bench;

/// <summary>
/// Commit→confirm latency and relay lag of the events created in a window, from the outbox rows.
/// <c>created_at</c> is PostgreSQL's clock at the insert inside the request's transaction, so the
/// difference to <c>published_at</c> (when the relay saw the broker's confirm) is an upper bound of
/// commit→confirm: it also holds the rest of the request's transaction. Both clocks are this
/// machine's wall clock, whether the relay stamps the confirm itself or lets PostgreSQL do it.
/// </summary>
public sealed record OutboxLatency(int Events, int Unpublished, Percentiles CommitToConfirmMs, Percentiles OldestUnpublishedAgeMs, double RelayedPerSecond)
{
    /// <summary>Reconstruction step of the oldest-unpublished age over time.</summary>
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(0.1);

    public static async Task<OutboxLatency> MeasureAsync(string connectionString, DateTime fromUtc, DateTime toUtc, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT created_at, published_at FROM outbox WHERE created_at >= @from AND created_at < @to ORDER BY created_at", connection);
        command.Parameters.AddWithValue("from", fromUtc);
        command.Parameters.AddWithValue("to", toUtc);

        var created = new List<long>();
        var published = new List<long>();
        var unpublished = 0;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                if (reader.IsDBNull(1))
                {
                    unpublished++;
                    continue;
                }

                created.Add(reader.GetDateTime(0).Ticks);
                published.Add(reader.GetDateTime(1).Ticks);
            }
        }

        // Whatever the relay published while the load ran, whenever it was created: when this is
        // below the update rate, the relay is not keeping up and the backlog grows.
        await using var relayed = new NpgsqlCommand("SELECT count(*) FROM outbox WHERE published_at >= @from AND published_at < @to", connection);
        relayed.Parameters.AddWithValue("from", fromUtc);
        relayed.Parameters.AddWithValue("to", toUtc);
        var relayedPerSecond = (long)(await relayed.ExecuteScalarAsync(cancellationToken))! / (toUtc - fromUtc).TotalSeconds;

        var latencies = created.Select((createdAt, index) => TimeSpan.FromTicks(published[index] - createdAt).TotalMilliseconds);
        return new OutboxLatency(created.Count + unpublished, unpublished, Percentiles.Of(latencies), OldestUnpublishedOverTime(created, published), relayedPerSecond);
    }

    /// <summary>
    /// The age of the oldest unpublished event at every step from the first insert to the last
    /// publish (0 when nothing was waiting). Its maximum equals the largest commit→confirm latency:
    /// an event is the oldest waiting one at the latest just before it is published. The
    /// percentiles say how often the relay was behind, not just how far at worst.
    /// </summary>
    private static Percentiles OldestUnpublishedOverTime(List<long> created, List<long> published)
    {
        if (created.Count == 0)
        {
            return Percentiles.Empty;
        }

        // created is sorted; a min-heap by creation time of the events created so far, from which
        // the ones already published are dropped lazily when they reach the top.
        var waiting = new PriorityQueue<int, long>();
        var ages = new List<double>();
        var next = 0;
        var lastPublished = published.Max();
        for (var now = created[0]; now <= lastPublished; now += Step.Ticks)
        {
            for (; next < created.Count && created[next] <= now; next++)
            {
                waiting.Enqueue(next, created[next]);
            }

            while (waiting.TryPeek(out var oldest, out _) && published[oldest] <= now)
            {
                waiting.Dequeue();
            }

            ages.Add(waiting.TryPeek(out _, out var createdAt) ? TimeSpan.FromTicks(now - createdAt).TotalMilliseconds : 0);
        }

        return Percentiles.Of(ages);
    }
}
