using Npgsql;
using Roomcast.Outbox;

namespace Roomcast.Identity.Events;

/// <summary>One account or group mutation: its rows and its integration event in one outbox transaction.</summary>
public sealed class IdentityChange(OutboxTransaction transaction, Guid actorId, DateTimeOffset now) : IAsyncDisposable
{
    public NpgsqlConnection Connection => transaction.Connection;

    public NpgsqlTransaction Transaction => transaction.Transaction;

    public Guid ActorId { get; } = actorId;

    public DateTimeOffset Now { get; } = now;

    /// <summary>Writes the event about <paramref name="recordId"/> that <paramref name="build"/> makes from a fresh event id.</summary>
    public Task PublishAsync<TEvent>(Guid recordId, Func<Guid, TEvent> build)
        where TEvent : class => transaction.AddAsync(recordId, build);

    public Task CommitAsync() => transaction.CommitAsync();

    public ValueTask DisposeAsync() => transaction.DisposeAsync();
}

/// <summary>Opens <see cref="IdentityChange"/>s.</summary>
public sealed class IdentityChanges(OutboxTransaction.Factory transactions, TimeProvider clock)
{
    public async Task<IdentityChange> BeginAsync(Guid actorId, CancellationToken cancellationToken) =>
        new(await transactions.BeginAsync(cancellationToken), actorId, clock.GetUtcNow());
}
