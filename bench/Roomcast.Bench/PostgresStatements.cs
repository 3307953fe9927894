using Npgsql;

namespace Roomcast.Bench;

/// <summary>One statement's share of PostgreSQL's time over a phase, from <c>pg_stat_statements</c>.</summary>
public sealed record StatementTime(string Query, long Calls, double TotalMs, double MeanMs, long Rows);

/// <summary>
/// What PostgreSQL spent its time on during a phase, statement by statement: <c>pg_stat_statements</c>
/// is reset when the phase starts and read when it ends. Needs the library preloaded (scripts/bench.sh
/// starts its stack so); without it the figures are absent and the report says why, the run goes on.
/// </summary>
public sealed class PostgresStatements
{
    private readonly string _connectionString;

    private PostgresStatements(string connectionString, string? unavailable)
    {
        _connectionString = connectionString;
        Unavailable = unavailable;
    }

    /// <summary>Why there are no figures, or null when there are.</summary>
    public string? Unavailable { get; }

    public static async Task<PostgresStatements> StartAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        try
        {
            await using var command = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset();", connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
            return new PostgresStatements(connectionString, null);
        }
        catch (PostgresException exception)
        {
            return new PostgresStatements(connectionString, $"pg_stat_statements unavailable: {exception.MessageText}");
        }
    }

    /// <summary>The statements of this database that took the most time (planning and execution) since the start.</summary>
    public async Task<IReadOnlyList<StatementTime>> ReadAsync(int top, CancellationToken cancellationToken)
    {
        if (Unavailable is not null)
        {
            return [];
        }

        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT regexp_replace(query, '\s+', ' ', 'g'), calls, total_plan_time + total_exec_time, rows
            FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND query NOT LIKE '%pg_stat_statements%'
            ORDER BY total_plan_time + total_exec_time DESC
            LIMIT @top
            """, connection);
        command.Parameters.AddWithValue("top", top);
        var statements = new List<StatementTime>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var calls = reader.GetInt64(1);
            var total = reader.GetDouble(2);
            statements.Add(new StatementTime(reader.GetString(0), calls, total, calls == 0 ? 0 : total / calls, reader.GetInt64(3)));
        }

        return statements;
    }
}
