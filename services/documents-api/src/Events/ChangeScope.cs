using System.Text.Json;
using Npgsql;
using Roomcast.Contracts.Events;
using Roomcast.DocumentsApi.Access;
using Roomcast.DocumentsApi.Audience;
using Roomcast.Outbox;
using Roomcast.ServiceDefaults.Http;

namespace Roomcast.DocumentsApi.Events;

/// <summary>
/// One mutation: its rows and its single integration event, with the audience from
/// <see cref="AudienceCalculator"/>, in one outbox transaction. Disposing without
/// <see cref="CommitAsync"/> rolls both back, so a failed request publishes nothing.
/// </summary>
public sealed class ChangeScope(OutboxTransaction transaction, Caller caller, string? originConnectionId, TimeProvider clock) : IAsyncDisposable
{
    public NpgsqlConnection Connection => transaction.Connection;

    public NpgsqlTransaction Transaction => transaction.Transaction;

    public Caller Caller { get; } = caller;

    public string? OriginConnectionId { get; } = originConnectionId;

    /// <summary>A new record; a new grant passes the readers before it too, who see the root's grants change.</summary>
    public Task RecordCreatedAsync(string type, Guid id, object record, long version, RecordReaders readers, RecordReaders? readersBefore = null) =>
        transaction.AddAsync(id, eventId => new RecordCreated(
            eventId, clock.GetUtcNow(), type, id, Serialize(record), version, Caller.UserId, OriginConnectionId, ToSelf: true,
            AudienceCalculator.ForRecordChange(readersBefore ?? readers, readers, Caller.UserId)));

    public Task RecordChangedAsync(string type, Guid id, object record, long version, RecordReaders before, RecordReaders after) =>
        transaction.AddAsync(id, eventId => new RecordChanged(
            eventId, clock.GetUtcNow(), type, id, Serialize(record), version, Caller.UserId, OriginConnectionId, ToSelf: true,
            AudienceCalculator.ForRecordChange(before, after, Caller.UserId)));

    public Task RecordDeletedAsync(string type, Guid id, IReadOnlyList<RecordRef> cascade, long version, RecordReaders before, RecordReaders after) =>
        transaction.AddAsync(id, eventId => new RecordDeleted(
            eventId, clock.GetUtcNow(), type, id, cascade, version, Caller.UserId, OriginConnectionId, ToSelf: true,
            AudienceCalculator.ForRecordChange(before, after, Caller.UserId)));

    /// <summary>
    /// Commits with <paramref name="change"/>, its event built by <paramref name="build"/> from the event's id and
    /// time, all in one round trip.
    /// </summary>
    public Task<TResult> CommitWithAsync<TEvent, TResult>(Guid recordId, Func<Guid, DateTimeOffset, TEvent> build, NpgsqlBatchCommand change, Func<NpgsqlDataReader, CancellationToken, Task<TResult>> read)
        where TEvent : class =>
        transaction.CommitWithAsync(recordId, eventId => build(eventId, clock.GetUtcNow()), change, read);

    public Task CommitAsync() => transaction.CommitAsync();

    public ValueTask DisposeAsync() => transaction.DisposeAsync();

    private static JsonElement Serialize(object record) => JsonSerializer.SerializeToElement(record, record.GetType(), JsonBody.Options);
}

/// <summary>Opens <see cref="ChangeScope"/>s.</summary>
public sealed class ChangeScopes(OutboxTransaction.Factory transactions, TimeProvider clock)
{
    public async Task<ChangeScope> BeginAsync(Caller caller, string? originConnectionId, CancellationToken cancellationToken) =>
        new(await transactions.BeginAsync(cancellationToken), caller, originConnectionId, clock);
}
