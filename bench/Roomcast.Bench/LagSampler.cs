using Npgsql;

namespace Roomcast.Bench;

/// <summary>What the sampler saw: the age of the oldest committed-but-unpublished event at each sample, and the largest backlog.</summary>
public sealed record LagSamples(Percentiles OldestAgeMs, long MaxBacklog);

/// <summary>
/// Asks PostgreSQL every ~10 ms how old the oldest unpublished outbox row is: the relay lag as an
/// outside observer sees it, independent of the timestamps the relay writes. It can only see
/// committed rows, so it misses the in-transaction part that the row timestamps include.
/// </summary>
public sealed class LagSampler : IAsyncDisposable
{
    private const string Query =
        """
        SELECT coalesce(extract(epoch FROM clock_timestamp() - min(created_at)) * 1000, 0)::float8, count(*)
        FROM outbox WHERE published_at IS NULL
        """;

    /// <summary>
    /// For the observers' own sessions: a bitmap scan of the unpublished-rows index never marks the
    /// entries of rows published since as dead, so every sample walked all of them again (4.8 ms a
    /// sample at 500 events/s, half a core of PostgreSQL taken from what it measures).
    /// </summary>
    internal const string IndexScansOnly = "SET enable_bitmapscan = off";

    private readonly CancellationTokenSource _stop = new();
    private readonly List<double> _ages = [];
    private readonly Task _loop;
    private long _maxBacklog;

    private LagSampler(NpgsqlConnection connection, TimeSpan interval) => _loop = RunAsync(connection, interval);

    public static async Task<LagSampler> StartAsync(string connectionString, TimeSpan interval, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        return new LagSampler(connection, interval);
    }

    public async Task<LagSamples> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        return new LagSamples(Percentiles.Of(_ages), _maxBacklog);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_loop.IsCompleted)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }

    private async Task RunAsync(NpgsqlConnection connection, TimeSpan interval)
    {
        await using (connection)
        {
            await using (var session = new NpgsqlCommand(IndexScansOnly, connection))
            {
                await session.ExecuteNonQueryAsync();
            }

            await using var command = new NpgsqlCommand(Query, connection);
            await command.PrepareAsync();
            using var timer = new PeriodicTimer(interval);
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token))
                {
                    await using var reader = await command.ExecuteReaderAsync(_stop.Token);
                    await reader.ReadAsync(_stop.Token);
                    _ages.Add(reader.GetDouble(0));
                    _maxBacklog = Math.Max(_maxBacklog, reader.GetInt64(1));
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // Stopped: the samples so far are the result.
            }
        }
    }
}
