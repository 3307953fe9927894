using System.Diagnostics;
using Npgsql;

namespace Roomcast.Bench;

/// <summary>Waiting for the relay to publish everything: how many rows were waiting when it began, how long it took, and what was left.</summary>
public sealed record OutboxDrain(long BacklogAtStart, TimeSpan Took, long Remaining)
{
    /// <summary>Events per second the relay published with no API load: its capacity, when the backlog was large enough to keep it busy.</summary>
    public double PerSecond => Took > TimeSpan.Zero ? (BacklogAtStart - Remaining) / Took.TotalSeconds : double.NaN;

    /// <summary>Polls until no outbox row is unpublished, or the timeout passes (then Remaining &gt; 0).</summary>
    public static async Task<OutboxDrain> WaitAsync(string connectionString, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var session = new NpgsqlCommand(LagSampler.IndexScansOnly, connection))
        {
            await session.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var command = new NpgsqlCommand("SELECT count(*) FROM outbox WHERE published_at IS NULL", connection);
        var started = Stopwatch.StartNew();
        long? backlogAtStart = null;
        while (true)
        {
            var remaining = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
            backlogAtStart ??= remaining;
            if (remaining == 0 || started.Elapsed >= timeout)
            {
                return new OutboxDrain(backlogAtStart.Value, started.Elapsed, remaining);
            }

            // Coarse on purpose: the drain time is a secondary figure, and polling competes with the relay for the same two cores.
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }
}
