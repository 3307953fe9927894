using Npgsql;
using Roomcast.Outbox;

namespace Roomcast.Identity.Events;

/// <summary>
/// One account or group mutation: a transaction in which the change and its integration event are
/// written together (the same outbox code documents-api uses). Disposing without
/// <see cref="CommitAsync"/> rolls both back.
/// </summary>
public sealed class IdentityChange : IAsyncDisposable
{
    private readonly OutboxWriter _outbox;
    private readonly OutboxSignal _relay;
    private readonly CancellationToken _cancellationToken;

    internal IdentityChange(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid actorId, DateTimeOffset now, OutboxWriter outbox, OutboxSignal relay, CancellationToken cancellationToken)
    {
        Connection = connection;
        Transaction = transaction;
        ActorId = actorId;
        Now = now;
        _outbox = outbox;
        _relay = relay;
        _cancellationToken = cancellationToken;
    }

    public NpgsqlConnection Connection { get; }

    public NpgsqlTransaction Transaction { get; }

    public Guid ActorId { get; }

    public DateTimeOffset Now { get; }

    /// <summary>Writes the event about <paramref name="recordId"/> that <paramref name="build"/> makes from a fresh event id.</summary>
    public Task PublishAsync<TEvent>(Guid recordId, Func<Guid, TEvent> build)
        where TEvent : class
    {
        var eventId = Guid.NewGuid();
        return _outbox.AddAsync(Connection, Transaction, eventId, recordId, build(eventId), _cancellationToken);
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
}

/// <summary>Opens <see cref="IdentityChange"/>s.</summary>
public sealed class IdentityChanges(NpgsqlDataSource dataSource, OutboxWriter outbox, OutboxSignal relay, TimeProvider clock)
{
    public async Task<IdentityChange> BeginAsync(Guid actorId, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            return new IdentityChange(connection, transaction, actorId, clock.GetUtcNow(), outbox, relay, cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
