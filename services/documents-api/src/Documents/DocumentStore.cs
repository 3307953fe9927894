using System.Text.Json;
using Dapper;
using Npgsql;
using Roomcast.Contracts.Events;
using Roomcast.DocumentsApi.Access;

namespace Roomcast.DocumentsApi.Documents;

/// <summary>Every SQL statement about documents.</summary>
public static class DocumentStore
{
    private const string Columns =
        "id AS Id, root_id AS RootId, author_id AS AuthorId, type AS Type, parent_id AS ParentId, data::text AS Data, created_at AS CreatedAt, updated_at AS UpdatedAt, version AS Version";

    /// <summary>The document; with a transaction, locked until it ends so concurrent writers take turns.</summary>
    public static async Task<DocumentRecord?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid id, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM documents WHERE id = @id {(transaction is null ? "" : "FOR UPDATE")}",
            new { id }, transaction, cancellationToken: cancellationToken));
        return row?.ToRecord();
    }

    /// <summary>
    /// The access to the root a document is to be created in, with the root locked for a record write
    /// (<see cref="LockRoot"/>), in one round trip; null when there is no such root.
    /// </summary>
    public static async Task<RootAccess?> LockRootWithAccessAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid rootId, CancellationToken cancellationToken)
    {
        using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            $"""
            {LockRoot("@rootId")}
            {RootAccessStore.Queries("@rootId")}
            """, new { rootId }, transaction, cancellationToken: cancellationToken));
        await results.ReadSingleOrDefaultAsync<Guid?>();
        return await RootAccessStore.ReadAsync(results, rootId);
    }

    /// <summary>
    /// The transaction's time (what <c>now()</c> stamps its changes with), the document's root locked for
    /// a record write (<see cref="LockRoot"/>), the document locked until the transaction ends, and the
    /// access to its root, in one round trip.
    /// </summary>
    public static async Task<(DocumentRecord? Document, RootAccess? Access, DateTimeOffset Now)> LockWithAccessAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, CancellationToken cancellationToken)
    {
        const string RootId = "(SELECT root_id FROM documents WHERE id = @id)";
        using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            $"""
            SELECT now();
            {LockRoot(RootId)}
            SELECT {Columns} FROM documents WHERE id = @id FOR UPDATE;
            {RootAccessStore.Queries(RootId)}
            """, new { id }, transaction, cancellationToken: cancellationToken));
        var now = new DateTimeOffset(await results.ReadSingleAsync<DateTime>(), TimeSpan.Zero);
        await results.ReadSingleOrDefaultAsync<Guid?>();
        var document = (await results.ReadSingleOrDefaultAsync<Row>())?.ToRecord();
        return document is null ? (null, null, now) : (document, await RootAccessStore.ReadAsync(results, document.RootId), now);
    }

    public static async Task<DocumentRecord> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid rootId, Guid authorId, string type, Guid? parentId, JsonElement data, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleAsync<Row>(new CommandDefinition(
            $"""
            INSERT INTO documents (id, root_id, author_id, type, parent_id, data)
            VALUES (@id, @rootId, @authorId, @type, @parentId, @data::jsonb)
            RETURNING {Columns}
            """, new { id = Guid.NewGuid(), rootId, authorId, type, parentId, data = data.GetRawText() }, transaction, cancellationToken: cancellationToken));
        return row.ToRecord();
    }

    /// <summary>The update of a document's data, for <see cref="ReadChangedAsync"/>; with a lock on the row its result is known: the next version at the transaction's time.</summary>
    public static NpgsqlBatchCommand UpdateDataCommand(Guid id, JsonElement data) =>
        new($"UPDATE documents SET data = $1::jsonb, version = version + 1, updated_at = now() WHERE id = $2 RETURNING {Columns}")
        {
            Parameters =
            {
                new NpgsqlParameter<string> { TypedValue = data.GetRawText() },
                new NpgsqlParameter<Guid> { TypedValue = id },
            },
        };

    /// <summary>The document as a changing statement returned it.</summary>
    public static async Task<DocumentRecord> ReadChangedAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var parse = reader.GetRowParser<Row>();
        return await reader.ReadAsync(cancellationToken)
            ? parse(reader).ToRecord()
            : throw new InvalidOperationException("The changed document was not returned.");
    }

    /// <summary>Deletes the document and its descendants; returns the descendants.</summary>
    public static async Task<IReadOnlyList<RecordRef>> DeleteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, CancellationToken cancellationToken)
    {
        var descendants = await connection.QueryAsync<Guid>(new CommandDefinition(
            """
            WITH RECURSIVE tree AS (
                SELECT id FROM documents WHERE parent_id = @id
                UNION ALL
                SELECT d.id FROM documents d JOIN tree t ON d.parent_id = t.id
            )
            SELECT id FROM tree;
            DELETE FROM documents WHERE id = @id;
            """, new { id }, transaction, cancellationToken: cancellationToken));
        return descendants.Select(child => new RecordRef(RecordTypes.Document, child)).ToList();
    }

    public static async Task<DocumentPage> ListAsync(NpgsqlConnection connection, Guid rootId, DocumentQuery query, CancellationToken cancellationToken)
    {
        const string Filter = "root_id = @rootId AND (@type::text IS NULL OR type = @type) AND (@parentId::uuid IS NULL OR parent_id = @parentId)";
        var parameters = new { rootId, type = query.Type, parentId = query.ParentId, limit = query.PageSize, offset = (long)(query.Page - 1) * query.PageSize };
        using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            $"""
            SELECT count(*) FROM documents WHERE {Filter};
            SELECT {Columns} FROM documents WHERE {Filter} ORDER BY created_at, id LIMIT @limit OFFSET @offset;
            """, parameters, cancellationToken: cancellationToken));
        var total = await results.ReadSingleAsync<long>();
        var items = (await results.ReadAsync<Row>()).Select(row => row.ToRecord()).ToList();
        return new DocumentPage(items, query.Page, query.PageSize, total);
    }

    /// <summary>
    /// Locks the root named by <paramref name="rootId"/> (a parameter or a subquery) FOR SHARE until the
    /// transaction ends: the first lock of every document write. Changes to a root and its grants lock it
    /// FOR UPDATE first (RootCommands.LockForWriteAsync), so a write waits for a grant change in progress
    /// and a grant change for the writes in progress: the grants a write reads, and computes its event's
    /// audience from, are the ones it commits under, never ones a concurrent change replaces. Writes do
    /// not wait for one another on it, and every lock after it (documents) is taken in the same order.
    /// </summary>
    private static string LockRoot(string rootId) => $"SELECT id FROM roots WHERE id = {rootId} FOR SHARE;";

    private sealed record Row(Guid Id, Guid RootId, Guid AuthorId, string Type, Guid? ParentId, string Data, DateTime CreatedAt, DateTime UpdatedAt, long Version)
    {
        public DocumentRecord ToRecord()
        {
            using var data = JsonDocument.Parse(Data);
            return new DocumentRecord(Id, RootId, AuthorId, Type, ParentId, data.RootElement.Clone(),
                new DateTimeOffset(CreatedAt, TimeSpan.Zero), new DateTimeOffset(UpdatedAt, TimeSpan.Zero), Version);
        }
    }
}
