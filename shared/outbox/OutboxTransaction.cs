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
    private bool _committed;

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
    /// Makes <paramref name="change"/>, writes an event about <paramref name="recordId"/> and commits, all
    /// in one round trip; returns what <paramref name="read"/> takes from the change's results. For a
    /// mutation whose last statement is <paramref name="change"/>: a document update saves a round trip
    /// this way. When any of the three fails, PostgreSQL skips the
    /// rest and this throws; disposing then rolls back.
    /// </summary>
    public async Task<TResult> CommitWithAsync<TEvent, TResult>(Guid recordId, Func<Guid, TEvent> build, NpgsqlBatchCommand change, Func<NpgsqlDataReader, CancellationToken, Task<TResult>> read)
        where TEvent : class
    {
        var eventId = Guid.NewGuid();
        TResult result;
        await using (var batch = new NpgsqlBatch(Connection, Transaction)
        {
            BatchCommands = { change, _outbox.CommandFor(eventId, recordId, build(eventId)), new NpgsqlBatchCommand("COMMIT") },
        })
        {
            await using var reader = await batch.ExecuteReaderAsync(_cancellationToken);
            result = await read(reader, _cancellationToken);
            // To the end of the batch: a failed insert or commit throws here.
            while (await reader.NextResultAsync(_cancellationToken))
            {
            }
        }

        _committed = true;
        _relay.Notify();
        return result;
    }

    public async Task CommitAsync()
    {
        if (_committed)
        {
            throw new InvalidOperationException("This outbox transaction has already committed.");
        }

        await Transaction.CommitAsync(_cancellationToken);
        _committed = true;
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
