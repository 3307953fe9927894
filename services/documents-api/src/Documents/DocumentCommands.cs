using System.Text.Json;
using Npgsql;
using Roomcast.Contracts.Events;
using Roomcast.DocumentsApi.Access;
using Roomcast.DocumentsApi.Audience;
using Roomcast.DocumentsApi.Events;
using Roomcast.ServiceDefaults.Http;
using Roomcast.DocumentsApi.Permissions;

namespace Roomcast.DocumentsApi.Documents;

/// <summary>What can be done with documents, each mutation with its one event.</summary>
public sealed class DocumentCommands(NpgsqlDataSource dataSource, ChangeScopes scopes)
{
    public async Task<Outcome<DocumentRecord>> CreateAsync(Caller caller, Guid rootId, CreateDocumentRequest request, string? origin, CancellationToken cancellationToken)
    {
        await using var scope = await scopes.BeginAsync(caller, origin, cancellationToken);
        var access = await DocumentStore.LockRootWithAccessAsync(scope.Connection, scope.Transaction, rootId, cancellationToken);
        if (access is null || !caller.AccessTo(access).CanRead())
        {
            return new Outcome<DocumentRecord>.NotFound($"root {rootId}");
        }

        if (!caller.AccessTo(access).CanWrite())
        {
            return new Outcome<DocumentRecord>.Forbidden("You may read this root but not add documents to it.");
        }

        var author = request.AuthorId ?? caller.UserId;
        if (author != caller.UserId)
        {
            if (!caller.OnBehalfOf)
            {
                return new Outcome<DocumentRecord>.Forbidden("Only an admin acting on behalf of others (onBehalfOf=true) may name another author.");
            }

            if (!await PermissionStore.SubjectExistsAsync(scope.Connection, scope.Transaction, GrantSubject.User, author, cancellationToken))
            {
                return new Outcome<DocumentRecord>.Invalid("authorId", $"No user {author} is known.");
            }
        }

        if (request.ParentId is { } parentId)
        {
            var parent = await DocumentStore.FindAsync(scope.Connection, scope.Transaction, parentId, cancellationToken);
            if (parent is null || parent.RootId != rootId)
            {
                return new Outcome<DocumentRecord>.Invalid("parentId", "parentId must be a document of the same root.");
            }
        }

        var created = await DocumentStore.InsertAsync(scope.Connection, scope.Transaction, rootId, author, request.Type!, request.ParentId, request.Data, cancellationToken);
        await scope.RecordCreatedAsync(RecordTypes.Document, created.Id, created, created.Version, new RecordReaders(access, created.AuthorId));
        await scope.CommitAsync();
        return new Outcome<DocumentRecord>.Done(created, Created: true);
    }

    public async Task<Outcome<DocumentRecord>> GetAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var document = await DocumentStore.FindAsync(connection, null, id, cancellationToken);
        var access = document is null ? null : await RootAccessStore.LoadAsync(connection, null, document.RootId, cancellationToken);
        return access is not null && caller.AccessTo(access, document!.AuthorId).CanRead() ? document : NotFound(id);
    }

    public async Task<Outcome<DocumentPage>> ListAsync(Caller caller, Guid rootId, DocumentQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var access = await RootAccessStore.LoadAsync(connection, null, rootId, cancellationToken);
        if (access is null || !caller.AccessTo(access).CanRead())
        {
            return new Outcome<DocumentPage>.NotFound($"root {rootId}");
        }

        return await DocumentStore.ListAsync(connection, rootId, query, cancellationToken);
    }

    public async Task<Outcome<DocumentRecord>> UpdateDataAsync(Caller caller, Guid id, JsonElement data, long? expectedVersion, string? origin, CancellationToken cancellationToken)
    {
        await using var scope = await scopes.BeginAsync(caller, origin, cancellationToken);
        var (current, access, now, failure) = await LockForWriteAsync(scope, id, cancellationToken);
        if (failure is not null)
        {
            return failure;
        }

        if (expectedVersion is { } expected && expected != current!.Version)
        {
            return new Outcome<DocumentRecord>.Conflict($"The document is at version {current.Version}, not {expected}.", current.Version);
        }

        // The row is locked, so the update's result is known before it runs, and the event and the commit
        // go in the same round trip. The event carries the data as sent; the stored jsonb is the same JSON value.
        var changed = current! with { Data = data, Version = current.Version + 1, UpdatedAt = now };
        // A data change alters no grant, so the readers before and after are the same.
        return await CommitDataChangeAsync(scope, changed, new RecordReaders(access!, current.AuthorId),
            DocumentStore.UpdateDataCommand(id, data), DocumentStore.ReadChangedAsync);
    }

    public async Task<Outcome<DocumentRecord>> DeleteAsync(Caller caller, Guid id, string? origin, CancellationToken cancellationToken)
    {
        await using var scope = await scopes.BeginAsync(caller, origin, cancellationToken);
        var (current, access, _, failure) = await LockForWriteAsync(scope, id, cancellationToken);
        if (failure is not null)
        {
            return failure;
        }

        var descendants = await DocumentStore.DeleteAsync(scope.Connection, scope.Transaction, id, cancellationToken);
        var readers = new RecordReaders(access!, current!.AuthorId);
        await scope.RecordDeletedAsync(RecordTypes.Document, id, descendants, current.Version, readers, readers);
        await scope.CommitAsync();
        return current;
    }

    /// <summary>
    /// A document's data changes by <paramref name="change"/>, sent with its event and the commit in one
    /// round trip; <paramref name="changed"/> is the document as the change leaves it. Not echoed to the
    /// connection it came from, as in the system Roomcast replaces.
    /// </summary>
    private static Task<TResult> CommitDataChangeAsync<TResult>(ChangeScope scope, DocumentRecord changed, RecordReaders readers, NpgsqlBatchCommand change, Func<NpgsqlDataReader, CancellationToken, Task<TResult>> read) =>
        scope.CommitWithAsync(changed.Id, (eventId, now) => new DocumentChanged(
            eventId, now, changed.Id, changed.RootId, changed.Data, changed.Version, changed.UpdatedAt,
            scope.Caller.UserId, scope.OriginConnectionId, ToSelf: false,
            AudienceCalculator.ForRecordChange(readers, readers, scope.Caller.UserId)), change, read);

    private static async Task<(DocumentRecord? Document, RootAccess? Access, DateTimeOffset Now, Outcome<DocumentRecord>? Failure)> LockForWriteAsync(ChangeScope scope, Guid id, CancellationToken cancellationToken)
    {
        var (document, access, now) = await DocumentStore.LockWithAccessAsync(scope.Connection, scope.Transaction, id, cancellationToken);
        if (access is null || !scope.Caller.AccessTo(access, document!.AuthorId).CanRead())
        {
            return (null, null, now, NotFound(id));
        }

        return scope.Caller.AccessTo(access, document.AuthorId).CanWrite()
            ? (document, access, now, null)
            : (null, null, now, new Outcome<DocumentRecord>.Forbidden("You may read this document but not change it."));
    }

    private static Outcome<DocumentRecord> NotFound(Guid id) => new Outcome<DocumentRecord>.NotFound($"document {id}");
}
