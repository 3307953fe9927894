using System.Text.Json;
using Npgsql;
using Roomcast.Contracts.Events;
using Roomcast.DocumentsApi.Access;
using Roomcast.DocumentsApi.Audience;
using Roomcast.DocumentsApi.Outbox;

namespace Roomcast.DocumentsApi.Documents;

public abstract record UpdateOutcome
{
    public sealed record Updated(Document Document) : UpdateOutcome;

    /// <summary>The document does not exist, or the caller may not read it: the answer is the same.</summary>
    public sealed record NotFound : UpdateOutcome;

    public sealed record Forbidden : UpdateOutcome;
}

/// <summary>The caller as documents-api sees them.</summary>
public sealed record Caller(Guid UserId, bool IsAdmin);

/// <summary>Changes a document's data and records <see cref="DocumentChanged"/> in the same transaction.</summary>
public sealed class DocumentUpdater(NpgsqlDataSource dataSource, OutboxWriter outbox, OutboxSignal relay, TimeProvider clock)
{
    public async Task<UpdateOutcome> UpdateDataAsync(Caller caller, Guid documentId, JsonElement data, string? originConnectionId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var current = await DocumentStore.LockAsync(connection, transaction, documentId, cancellationToken);
        if (current is null)
        {
            return new UpdateOutcome.NotFound();
        }

        var access = await DocumentStore.LoadRootAccessAsync(connection, transaction, current.RootId, cancellationToken);
        var level = caller.IsAdmin ? AccessLevel.RW : access.For(caller.UserId, current.AuthorId);
        if (!level.CanRead())
        {
            return new UpdateOutcome.NotFound();
        }

        if (!level.CanWrite())
        {
            return new UpdateOutcome.Forbidden();
        }

        var updated = await DocumentStore.UpdateDataAsync(connection, transaction, documentId, data, cancellationToken);
        // A data change alters no grant, so the readers before and after are the same.
        var readers = new RecordReaders(access, updated.AuthorId);
        var eventId = Guid.NewGuid();
        var changed = new DocumentChanged(
            eventId,
            clock.GetUtcNow(),
            updated.Id,
            updated.RootId,
            updated.Data,
            updated.Version,
            updated.UpdatedAt,
            caller.UserId,
            originConnectionId,
            toSelf: false,
            AudienceCalculator.ForRecordChange(readers, readers, caller.UserId));
        await outbox.AddAsync(connection, transaction, eventId, changed, cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        relay.Notify();
        return new UpdateOutcome.Updated(updated);
    }
}
