using System.Text.Json;
using Npgsql;
using Roomcast.Contracts.Events;
using Roomcast.DocumentsApi.Access;
using Roomcast.DocumentsApi.Audience;
using Roomcast.DocumentsApi.Documents;
using Roomcast.DocumentsApi.Http;
using Roomcast.ServiceDefaults.Http;
using Roomcast.Outbox;

namespace Roomcast.DocumentsApi.Events;

/// <summary>
/// One mutation: a transaction in which the change and its single integration event are written
/// together. Disposing without <see cref="CommitAsync"/> rolls both back, so a failed request
/// publishes nothing.
/// </summary>
public sealed class ChangeScope : IAsyncDisposable
{
    private readonly OutboxWriter _outbox;
    private readonly OutboxSignal _relay;
    private readonly TimeProvider _clock;
    private readonly CancellationToken _cancellationToken;

    internal ChangeScope(NpgsqlConnection connection, NpgsqlTransaction transaction, Caller caller, string? originConnectionId,
        OutboxWriter outbox, OutboxSignal relay, TimeProvider clock, CancellationToken cancellationToken)
    {
        Connection = connection;
        Transaction = transaction;
        Caller = caller;
        OriginConnectionId = originConnectionId;
        _outbox = outbox;
        _relay = relay;
        _clock = clock;
        _cancellationToken = cancellationToken;
    }

    public NpgsqlConnection Connection { get; }

    public NpgsqlTransaction Transaction { get; }

    public Caller Caller { get; }

    public string? OriginConnectionId { get; }

    /// <summary>A new record; a new grant passes the readers before it too, who see the root's grants change.</summary>
    public Task RecordCreatedAsync(string type, Guid id, object record, long version, RecordReaders readers, RecordReaders? readersBefore = null)
    {
        var eventId = Guid.NewGuid();
        return _outbox.AddAsync(Connection, Transaction, eventId, id, new RecordCreated(
            eventId, _clock.GetUtcNow(), type, id, Serialize(record), version, Caller.UserId, OriginConnectionId, ToSelf: true,
            AudienceCalculator.ForRecordChange(readersBefore ?? readers, readers, Caller.UserId)), _cancellationToken);
    }

    public Task RecordChangedAsync(string type, Guid id, object record, long version, RecordReaders before, RecordReaders after)
    {
        var eventId = Guid.NewGuid();
        return _outbox.AddAsync(Connection, Transaction, eventId, id, new RecordChanged(
            eventId, _clock.GetUtcNow(), type, id, Serialize(record), version, Caller.UserId, OriginConnectionId, ToSelf: true,
            AudienceCalculator.ForRecordChange(before, after, Caller.UserId)), _cancellationToken);
    }

    public Task RecordDeletedAsync(string type, Guid id, IReadOnlyList<RecordRef> cascade, long version, RecordReaders before, RecordReaders after)
    {
        var eventId = Guid.NewGuid();
        return _outbox.AddAsync(Connection, Transaction, eventId, id, new RecordDeleted(
            eventId, _clock.GetUtcNow(), type, id, cascade, version, Caller.UserId, OriginConnectionId, ToSelf: true,
            AudienceCalculator.ForRecordChange(before, after, Caller.UserId)), _cancellationToken);
    }

    /// <summary>A document's data changed: not echoed to the connection it came from, as in the system Roomcast replaces.</summary>
    public Task DocumentChangedAsync(DocumentRecord document, RecordReaders readers)
    {
        var eventId = Guid.NewGuid();
        return _outbox.AddAsync(Connection, Transaction, eventId, document.Id, new DocumentChanged(
            eventId, _clock.GetUtcNow(), document.Id, document.RootId, document.Data, document.Version, document.UpdatedAt,
            Caller.UserId, OriginConnectionId, ToSelf: false,
            AudienceCalculator.ForRecordChange(readers, readers, Caller.UserId)), _cancellationToken);
    }

    public async Task CommitAsync()
    {
        await Transaction.CommitAsync(_cancellationToken);
        _relay.Notify();
    }

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }

    private static JsonElement Serialize(object record) => JsonSerializer.SerializeToElement(record, record.GetType(), JsonBody.Options);
}

/// <summary>Opens <see cref="ChangeScope"/>s.</summary>
public sealed class ChangeScopes(NpgsqlDataSource dataSource, OutboxWriter outbox, OutboxSignal relay, TimeProvider clock)
{
    public async Task<ChangeScope> BeginAsync(Caller caller, string? originConnectionId, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            return new ChangeScope(connection, transaction, caller, originConnectionId, outbox, relay, clock, cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
