using System.Reflection;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using Roomcast.ServiceDefaults.Logging;

namespace Roomcast.Postgres;

/// <summary>
/// Applies the versioned SQL scripts embedded in a service and the libraries it uses
/// (<c>Migrations/NNNN_name.sql</c>) in name order, each once. A transaction-scoped advisory lock makes two instances starting at once
/// take turns: the second finds the work done.
/// </summary>
public sealed partial class MigrationRunner(NpgsqlDataSource dataSource, ILogger<MigrationRunner> logger)
{
    private const string LockKey = "roomcast.migrations";

    public async Task ApplyAsync(IReadOnlyList<Assembly> assemblies, CancellationToken cancellationToken = default)
    {
        var scripts = assemblies
            .SelectMany(assembly => assembly.GetManifestResourceNames()
                .Where(name => name.Contains(".Migrations.", StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
                .Select(name => (Version: VersionOf(name), Assembly: assembly, Resource: name)))
            .OrderBy(script => script.Version, StringComparer.Ordinal)
            .ToList();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_xact_lock(hashtext(@LockKey))", new { LockKey }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    text PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, transaction: transaction, cancellationToken: cancellationToken));
        var applied = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT version FROM schema_migrations", transaction: transaction, cancellationToken: cancellationToken))).ToHashSet();

        foreach (var (version, assembly, resource) in scripts.Where(script => !applied.Contains(script.Version)))
        {
            await connection.ExecuteAsync(new CommandDefinition(await ReadAsync(assembly, resource), transaction: transaction, cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO schema_migrations (version) VALUES (@version)", new { version }, transaction, cancellationToken: cancellationToken));
            LogApplied(version);
        }

        await transaction.CommitAsync(cancellationToken);
        LogUpToDate(scripts.Count);
    }

    /// <summary><c>Roomcast.X.Migrations.0001_initial.sql</c> → <c>0001_initial</c>.</summary>
    private static string VersionOf(string resource)
    {
        var withoutExtension = resource[..^".sql".Length];
        return withoutExtension[(withoutExtension.LastIndexOf(".Migrations.", StringComparison.Ordinal) + ".Migrations.".Length)..];
    }

    private static async Task<string> ReadAsync(Assembly assembly, string resource)
    {
        await using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Migration resource {resource} vanished.");
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    [LoggerMessage(EventId = SharedLogEvents.MigrationApplied, Level = LogLevel.Information, Message = "Applied migration {Version}")]
    private partial void LogApplied(string version);

    [LoggerMessage(EventId = SharedLogEvents.SchemaUpToDate, Level = LogLevel.Information, Message = "Database schema up to date ({Count} migrations)")]
    private partial void LogUpToDate(int count);
}
