using Dapper;
using Npgsql;

namespace Roomcast.Identity.Groups;

/// <summary>Every SQL statement about student groups and their members.</summary>
public static class GroupStore
{
    public static async Task<GroupResponse?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid id, CancellationToken cancellationToken)
    {
        var group = await connection.QuerySingleOrDefaultAsync<(Guid Id, string Name, long Version)?>(new CommandDefinition(
            $"SELECT id, name, version FROM student_groups WHERE id = @id {(transaction is null ? "" : "FOR UPDATE")}",
            new { id }, transaction, cancellationToken: cancellationToken));
        if (group is null)
        {
            return null;
        }

        var members = await MembersAsync(connection, transaction, id, cancellationToken);
        return new GroupResponse(group.Value.Id, group.Value.Name, group.Value.Version, members);
    }

    public static async Task<IReadOnlyList<Guid>> MembersAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid groupId, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<Guid>(new CommandDefinition(
            "SELECT user_id FROM group_members WHERE group_id = @groupId ORDER BY user_id", new { groupId }, transaction, cancellationToken: cancellationToken))).ToList();

    /// <summary>All groups, or only those <paramref name="memberId"/> belongs to.</summary>
    public static async Task<IReadOnlyList<GroupResponse>> ListAsync(NpgsqlConnection connection, Guid? memberId, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<(Guid Id, string Name, long Version, Guid? Member)>(new CommandDefinition(
            """
            SELECT g.id, g.name, g.version, m.user_id
            FROM student_groups g LEFT JOIN group_members m ON m.group_id = g.id
            WHERE @memberId::uuid IS NULL OR g.id IN (SELECT group_id FROM group_members WHERE user_id = @memberId)
            ORDER BY g.name, g.id, m.user_id
            """, new { memberId }, cancellationToken: cancellationToken));
        return rows.GroupBy(row => (row.Id, row.Name, row.Version))
            .Select(group => new GroupResponse(group.Key.Id, group.Key.Name, group.Key.Version,
                group.Where(row => row.Member is not null).Select(row => row.Member!.Value).ToList()))
            .ToList();
    }

    public static Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, string name, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO student_groups (id, name) VALUES (@id, @name)", new { id, name }, transaction, cancellationToken: cancellationToken));

    public static Task<long> RenameAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, string name, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "UPDATE student_groups SET name = @name, version = version + 1 WHERE id = @id RETURNING version",
            new { id, name }, transaction, cancellationToken: cancellationToken));

    /// <summary>Deletes the group and its memberships, leaving a tombstone for membership snapshots.</summary>
    public static Task DeleteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            WITH gone AS (DELETE FROM student_groups WHERE id = @id RETURNING id, name, version, membership_version)
            INSERT INTO deleted_student_groups (id, name, version, membership_version) SELECT id, name, version, membership_version FROM gone
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, version = excluded.version,
                membership_version = excluded.membership_version, deleted_at = now()
            """, new { id }, transaction, cancellationToken: cancellationToken));

    /// <summary>Adds or removes a member; returns the group's new membership version, or null when nothing changed.</summary>
    public static async Task<long?> SetMemberAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid groupId, Guid userId, bool member, CancellationToken cancellationToken)
    {
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            member
                ? "INSERT INTO group_members (group_id, user_id) VALUES (@groupId, @userId) ON CONFLICT DO NOTHING"
                : "DELETE FROM group_members WHERE group_id = @groupId AND user_id = @userId",
            new { groupId, userId }, transaction, cancellationToken: cancellationToken));
        if (changed == 0)
        {
            return null;
        }

        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "UPDATE student_groups SET membership_version = membership_version + 1 WHERE id = @groupId RETURNING membership_version",
            new { groupId }, transaction, cancellationToken: cancellationToken));
    }

    public static Task<long> MembershipVersionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid groupId, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT membership_version FROM student_groups WHERE id = @groupId", new { groupId }, transaction, cancellationToken: cancellationToken));
}
