using Dapper;
using Npgsql;

namespace Roomcast.Identity.MembershipSnapshots;

/// <summary>The SQL of membership snapshots: every group with its members, and every deleted group, a page at a time.</summary>
public sealed class MembershipSnapshotStore(NpgsqlDataSource dataSource)
{
    /// <summary>One group of a snapshot; <see cref="Members"/> and <see cref="MembershipVersion"/> come from one statement, so they agree.</summary>
    public sealed record SnapshotGroup(Guid Id, string Name, long Version, bool Deleted, long MembershipVersion, Guid[] Members);

    public async Task<int> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            """
            SELECT (SELECT count(*) FROM student_groups)
                 + (SELECT count(*) FROM deleted_student_groups d WHERE NOT EXISTS (SELECT 1 FROM student_groups g WHERE g.id = d.id))
            """, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// The next <paramref name="pageSize"/> groups after <paramref name="after"/> in id order, live ones
    /// (<paramref name="deleted"/> false) or tombstones. Each page is one statement: each group's members
    /// and membership version are read at one moment, whatever changes while the snapshot goes on.
    /// </summary>
    public async Task<IReadOnlyList<SnapshotGroup>> PageAsync(bool deleted, Guid after, int pageSize, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var sql = deleted
            ? """
              SELECT d.id, d.name, d.version, true AS deleted, d.membership_version AS MembershipVersion, '{}'::uuid[] AS members
              FROM deleted_student_groups d
              WHERE d.id > @after AND NOT EXISTS (SELECT 1 FROM student_groups g WHERE g.id = d.id)
              ORDER BY d.id LIMIT @pageSize
              """
            : """
              SELECT g.id, g.name, g.version, false AS deleted, g.membership_version AS MembershipVersion,
                     coalesce(array_agg(m.user_id ORDER BY m.user_id) FILTER (WHERE m.user_id IS NOT NULL), '{}') AS members
              FROM student_groups g LEFT JOIN group_members m ON m.group_id = g.id
              WHERE g.id > @after
              GROUP BY g.id
              ORDER BY g.id LIMIT @pageSize
              """;
        // Read by hand: Dapper cannot hand a uuid[] column to a Guid[] constructor parameter.
        await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(sql, new { after, pageSize }, cancellationToken: cancellationToken));
        var groups = new List<SnapshotGroup>();
        while (await reader.ReadAsync(cancellationToken))
        {
            groups.Add(new SnapshotGroup(reader.GetGuid(0), reader.GetString(1), reader.GetInt64(2), reader.GetBoolean(3), reader.GetInt64(4),
                reader.GetFieldValue<Guid[]>(5)));
        }

        return groups;
    }
}
