using Dapper;
using Npgsql;

namespace Roomcast.DocumentsApi.Reconciliation;

/// <summary>The SQL of the reconciliation report: per snapshot, how many groups were checked and what was corrected.</summary>
public sealed class ReconciliationStore(NpgsqlDataSource dataSource)
{
    private static readonly TimeSpan Kept = TimeSpan.FromDays(7);

    /// <summary>Counts one more group of <paramref name="snapshotId"/>; a new snapshot's first group also prunes reports older than a week.</summary>
    public async Task CountGroupAsync(Guid snapshotId, string reason, int groupCount, int corrections, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var first = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            """
            INSERT INTO membership_reconciliations AS r (snapshot_id, reason, group_count, groups_checked, corrections)
            VALUES (@snapshotId, @reason, @groupCount, 1, @corrections)
            ON CONFLICT (snapshot_id) DO UPDATE SET groups_checked = r.groups_checked + 1, corrections = r.corrections + excluded.corrections, updated_at = now()
            RETURNING xmax = 0
            """, new { snapshotId, reason, groupCount, corrections }, cancellationToken: cancellationToken));
        if (first)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM membership_reconciliations WHERE started_at < now() - @kept", new { kept = Kept }, cancellationToken: cancellationToken));
        }
    }

    /// <summary>The snapshot applied most recently (by its first group), or null before the first.</summary>
    public async Task<ReconciliationReport?> LatestAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ReconciliationReport>(new CommandDefinition(
            """
            SELECT snapshot_id AS SnapshotId, reason AS Reason, started_at AS StartedAt, updated_at AS UpdatedAt,
                   group_count AS GroupCount, groups_checked AS GroupsChecked, corrections AS Corrections
            FROM membership_reconciliations ORDER BY started_at DESC LIMIT 1
            """, cancellationToken: cancellationToken));
    }
}

/// <summary>The check command's answer: one snapshot of identity's memberships as this service applied it.</summary>
/// <param name="GroupCount">The groups identity put in the snapshot.</param>
/// <param name="GroupsChecked">The groups applied so far (equal to <see cref="GroupCount"/> once the snapshot is through).</param>
/// <param name="Corrections">Memberships added or removed, and groups deleted, because this copy had drifted from identity.</param>
public sealed record ReconciliationReport(Guid SnapshotId, string Reason, DateTime StartedAt, DateTime UpdatedAt, int GroupCount, int GroupsChecked, int Corrections);
