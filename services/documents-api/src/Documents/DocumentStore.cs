using System.Text.Json;
using Dapper;
using Npgsql;
using Roomcast.DocumentsApi.Access;

namespace Roomcast.DocumentsApi.Documents;

/// <summary>Every SQL statement about documents and the grants that guard them.</summary>
public static class DocumentStore
{
    /// <summary>Loads a document and locks its row until the transaction ends, so concurrent writers take turns.</summary>
    public static async Task<Document?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<DocumentRow>(new CommandDefinition(
            """
            SELECT id AS Id, root_id AS RootId, author_id AS AuthorId, type AS Type, parent_id AS ParentId,
                   data::text AS Data, created_at AS CreatedAt, updated_at AS UpdatedAt, version AS Version
            FROM documents WHERE id = @id FOR UPDATE
            """, new { id }, transaction, cancellationToken: cancellationToken));
        return row?.ToDocument();
    }

    public static async Task<Document> UpdateDataAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, JsonElement data, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleAsync<DocumentRow>(new CommandDefinition(
            """
            UPDATE documents SET data = @data::jsonb, version = version + 1, updated_at = now()
            WHERE id = @id
            RETURNING id AS Id, root_id AS RootId, author_id AS AuthorId, type AS Type, parent_id AS ParentId,
                      data::text AS Data, created_at AS CreatedAt, updated_at AS UpdatedAt, version AS Version
            """, new { id, data = data.GetRawText() }, transaction, cancellationToken: cancellationToken));
        return row.ToDocument();
    }

    /// <summary>The root's shared access and every user and group grant on it, with the groups' members.</summary>
    public static async Task<RootAccess> LoadRootAccessAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid rootId, CancellationToken cancellationToken)
    {
        using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            """
            SELECT shared_access FROM roots WHERE id = @rootId;
            SELECT user_id AS UserId, access AS Access FROM user_permissions WHERE root_id = @rootId;
            SELECT p.group_id AS GroupId, p.access AS Access, m.user_id AS MemberId
            FROM group_permissions p LEFT JOIN group_members m ON m.group_id = p.group_id
            WHERE p.root_id = @rootId;
            """, new { rootId }, transaction, cancellationToken: cancellationToken));
        var shared = AccessLevels.Parse(await results.ReadSingleAsync<string>());
        var users = (await results.ReadAsync<(Guid UserId, string Access)>())
            .ToDictionary(grant => grant.UserId, grant => AccessLevels.Parse(grant.Access));
        var groups = (await results.ReadAsync<(Guid GroupId, string Access, Guid? MemberId)>())
            .GroupBy(row => (row.GroupId, row.Access))
            .Select(group => new GroupGrant(
                group.Key.GroupId,
                AccessLevels.Parse(group.Key.Access),
                group.Where(row => row.MemberId is not null).Select(row => row.MemberId!.Value).ToList()))
            .ToList();
        return new RootAccess(rootId, shared, users, groups);
    }

    private sealed record DocumentRow(Guid Id, Guid RootId, Guid AuthorId, string Type, Guid? ParentId, string Data, DateTime CreatedAt, DateTime UpdatedAt, long Version)
    {
        public Document ToDocument()
        {
            using var data = JsonDocument.Parse(Data);
            return new Document(Id, RootId, AuthorId, Type, ParentId, data.RootElement.Clone(),
                new DateTimeOffset(CreatedAt, TimeSpan.Zero), new DateTimeOffset(UpdatedAt, TimeSpan.Zero), Version);
        }
    }
}
