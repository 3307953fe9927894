using Npgsql;

namespace Roomcast.Outbox;

/// <summary>
/// A database transaction whose integration events go into the outbox with it: they exist if and
/// only if it commits, and the relay is woken as soon as it has. Disposing without
/// <see cref="CommitAsync"/> rolls both back.
/// </summary>
public sealed class OutboxTransaction : IAsyncDisposable
{
    private readonly OutboxWriter _outbox;
    private readonly OutboxSignal _relay;
    private readonly CancellationToken _cancellationToken;

    private OutboxTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction, OutboxWriter outbox, OutboxSignal relay, CancellationToken cancellationToken)
    {
        Connection = connection;
        Transaction = transaction;
        _outbox = outbox;
        _relay = relay;
        _cancellationToken = cancellationToken;
    }

    public NpgsqlConnection Connection { get; }

    public NpgsqlTransaction Transaction { get; }

    /// <summary>Writes an event about <paramref name="recordId"/> under a fresh event id, which <paramref name="build"/> receives.</summary>
    public Task AddAsync<TEvent>(Guid recordId, Func<Guid, TEvent> build)
        where TEvent : class
    {
        var eventId = Guid.NewGuid();
        return _outbox.AddAsync(Connection, Transaction, eventId, recordId, build(eventId), _cancellationToken);
    }

    /// <summary>
    /// Writes an event about <paramref name="recordId"/> in the same round trip as <paramref name="change"/>,
    /// the statement that makes the change; returns what <paramref name="read"/> takes from its results.
    /// </summary>
    public async Task<TResult> AddWithAsync<TEvent, TResult>(Guid recordId, Func<Guid, TEvent> build, NpgsqlBatchCommand change, Func<NpgsqlDataReader, CancellationToken, Task<TResult>> read)
        where TEvent : class
    {
        var eventId = Guid.NewGuid();
        await using var batch = new NpgsqlBatch(Connection, Transaction) { BatchCommands = { change, _outbox.CommandFor(eventId, recordId, build(eventId)) } };
        await using var reader = await batch.ExecuteReaderAsync(_cancellationToken);
        var result = await read(reader, _cancellationToken);
        // To the end of the batch, so a failed outbox insert throws here rather than leaving an aborted transaction to commit.
        while (await reader.NextResultAsync(_cancellationToken))
        {
        }

        return result;
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

    /// <summary>Opens <see cref="OutboxTransaction"/>s on the service's database.</summary>
    public sealed class Factory(NpgsqlDataSource dataSource, OutboxWriter outbox, OutboxSignal relay)
    {
        public async Task<OutboxTransaction> BeginAsync(CancellationToken cancellationToken)
        {
            var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            try
            {
                var transaction = await connection.BeginTransactionAsync(cancellationToken);
                return new OutboxTransaction(connection, transaction, outbox, relay, cancellationToken);
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        }
    }
}
