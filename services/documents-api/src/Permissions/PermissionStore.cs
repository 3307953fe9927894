using Dapper;
using Npgsql;
using Roomcast.DocumentsApi.Access;

namespace Roomcast.DocumentsApi.Permissions;

/// <summary>Every SQL statement about grants on roots.</summary>
public static class PermissionStore
{
    private static (string Table, string Column, string Subjects) Shape(GrantSubject subject) => subject == GrantSubject.User
        ? ("user_permissions", "user_id", "users")
        : ("group_permissions", "group_id", "student_groups");

    public static async Task<bool> SubjectExistsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, GrantSubject subject, Guid subjectId, CancellationToken cancellationToken)
    {
        var (_, _, subjects) = Shape(subject);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            $"SELECT EXISTS (SELECT 1 FROM {subjects} WHERE id = @subjectId)", new { subjectId }, transaction, cancellationToken: cancellationToken));
    }

    public static async Task<Grant?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, GrantSubject subject, Guid rootId, Guid subjectId, CancellationToken cancellationToken)
    {
        var (table, column, _) = Shape(subject);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT id AS Id, root_id AS RootId, {column} AS SubjectId, access AS Access, version AS Version, false AS Created FROM {table} WHERE root_id = @rootId AND {column} = @subjectId",
            new { rootId, subjectId }, transaction, cancellationToken: cancellationToken));
        return row?.ToGrant(subject);
    }

    /// <summary>Creates the grant or changes its access; returns it and whether it was created.</summary>
    public static async Task<(Grant Grant, bool Created)> UpsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, GrantSubject subject, Guid rootId, Guid subjectId, AccessLevel access, CancellationToken cancellationToken)
    {
        var (table, column, _) = Shape(subject);
        var row = await connection.QuerySingleAsync<Row>(new CommandDefinition(
            $"""
            INSERT INTO {table} (root_id, {column}, access) VALUES (@rootId, @subjectId, @access)
            ON CONFLICT (root_id, {column}) DO UPDATE SET access = excluded.access, version = {table}.version + 1
            RETURNING id AS Id, root_id AS RootId, {column} AS SubjectId, access AS Access, version AS Version, (xmax = 0) AS Created
            """, new { rootId, subjectId, access = access.ToString() }, transaction, cancellationToken: cancellationToken));
        return (row.ToGrant(subject), row.Created);
    }

    public static async Task DeleteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Grant grant, CancellationToken cancellationToken)
    {
        var (table, _, _) = Shape(grant.Subject);
        await connection.ExecuteAsync(new CommandDefinition(
            $"DELETE FROM {table} WHERE id = @Id", new { grant.Id }, transaction, cancellationToken: cancellationToken));
    }

    public static async Task<RootPermissions> ListAsync(NpgsqlConnection connection, Guid rootId, CancellationToken cancellationToken)
    {
        using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            """
            SELECT id AS Id, root_id AS RootId, user_id AS SubjectId, access AS Access, version AS Version, false AS Created
            FROM user_permissions WHERE root_id = @rootId ORDER BY user_id;
            SELECT id AS Id, root_id AS RootId, group_id AS SubjectId, access AS Access, version AS Version, false AS Created
            FROM group_permissions WHERE root_id = @rootId ORDER BY group_id;
            """, new { rootId }, cancellationToken: cancellationToken));
        var users = (await results.ReadAsync<Row>()).Select(row => (UserPermissionRecord)row.ToGrant(GrantSubject.User).ToRecord()).ToList();
        var groups = (await results.ReadAsync<Row>()).Select(row => (GroupPermissionRecord)row.ToGrant(GrantSubject.Group).ToRecord()).ToList();
        return new RootPermissions(users, groups);
    }

    private sealed record Row(Guid Id, Guid RootId, Guid SubjectId, string Access, long Version, bool Created = false)
    {
        public Grant ToGrant(GrantSubject subject) => new(subject, Id, RootId, SubjectId, AccessLevels.Parse(Access), Version);
    }
}
