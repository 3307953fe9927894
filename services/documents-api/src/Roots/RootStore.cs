using Dapper;
using Npgsql;
using Roomcast.Contracts.Events;
using Roomcast.DocumentsApi.Access;

namespace Roomcast.DocumentsApi.Roots;

/// <summary>Every SQL statement about document roots.</summary>
public static class RootStore
{
    private const string Columns =
        "id AS Id, name AS Name, shared_access AS SharedAccess, created_by AS CreatedBy, created_at AS CreatedAt, version AS Version";

    public static async Task<RootRecord> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, string name, AccessLevel sharedAccess, Guid createdBy, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleAsync<Row>(new CommandDefinition(
            $"INSERT INTO roots (id, name, shared_access, created_by) VALUES (@id, @name, @shared, @createdBy) RETURNING {Columns}",
            new { id, name, shared = sharedAccess.ToString(), createdBy }, transaction, cancellationToken: cancellationToken));
        return row.ToRecord();
    }

    /// <summary>The root; with a transaction, locked until it ends so changes to the root and its grants take turns.</summary>
    public static async Task<RootRecord?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid id, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM roots WHERE id = @id {(transaction is null ? "" : "FOR UPDATE")}", new { id }, transaction, cancellationToken: cancellationToken));
        return row?.ToRecord();
    }

    /// <summary>The roots a user can read: shared, owned, granted to them or to one of their groups; every root for admins.</summary>
    public static async Task<IReadOnlyList<RootRecord>> ListReadableAsync(NpgsqlConnection connection, Caller caller, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM roots r
            WHERE @isAdmin
               OR r.shared_access <> 'None'
               OR r.created_by = @userId
               OR EXISTS (SELECT 1 FROM user_permissions p WHERE p.root_id = r.id AND p.user_id = @userId AND p.access <> 'None')
               OR EXISTS (SELECT 1 FROM group_permissions p JOIN group_members m ON m.group_id = p.group_id
                          WHERE p.root_id = r.id AND m.user_id = @userId AND p.access <> 'None')
            ORDER BY r.created_at, r.id
            """, new { userId = caller.UserId, isAdmin = caller.IsAdmin }, cancellationToken: cancellationToken));
        return rows.Select(row => row.ToRecord()).ToList();
    }

    public static async Task<RootRecord> UpdateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, string name, AccessLevel sharedAccess, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleAsync<Row>(new CommandDefinition(
            $"UPDATE roots SET name = @name, shared_access = @shared, version = version + 1 WHERE id = @id RETURNING {Columns}",
            new { id, name, shared = sharedAccess.ToString() }, transaction, cancellationToken: cancellationToken));
        return row.ToRecord();
    }

    /// <summary>Deletes the root; returns every record that goes with it (its documents and grants).</summary>
    public static async Task<IReadOnlyList<RecordRef>> DeleteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, CancellationToken cancellationToken)
    {
        var cascade = await connection.QueryAsync<(string Type, Guid Id)>(new CommandDefinition(
            $"""
            SELECT '{RecordTypes.Document}', id FROM documents WHERE root_id = @id
            UNION ALL SELECT '{RecordTypes.UserPermission}', id FROM user_permissions WHERE root_id = @id
            UNION ALL SELECT '{RecordTypes.GroupPermission}', id FROM group_permissions WHERE root_id = @id;
            DELETE FROM roots WHERE id = @id;
            """, new { id }, transaction, cancellationToken: cancellationToken));
        return cascade.Select(record => new RecordRef(record.Type, record.Id)).ToList();
    }

    private sealed record Row(Guid Id, string Name, string SharedAccess, Guid CreatedBy, DateTime CreatedAt, long Version)
    {
        public RootRecord ToRecord() => new(Id, Name, AccessLevels.Parse(SharedAccess), CreatedBy, new DateTimeOffset(CreatedAt, TimeSpan.Zero), Version);
    }
}
