using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Roomcast.EndToEndTests.Infrastructure;
using Roomcast.Outbox;
using Roomcast.Postgres;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Outbox;

/// <summary>
/// <see cref="OutboxTransaction.CommitWithAsync"/> against a real PostgreSQL database: the change, its
/// event and the commit go in one round trip, and a failure in any of them leaves neither row nor event.
/// </summary>
public sealed class OutboxTransactionTests : IAsyncLifetime
{
    private IsolatedDatabase _database = null!;
    private NpgsqlDataSource _dataSource = null!;
    private OutboxSignal _signal = null!;
    private OutboxTransaction.Factory _transactions = null!;

    public async Task InitializeAsync()
    {
        _database = await IsolatedDatabase.CreateAsync(TestStackSettings.Current, "outbox_tx");
        _dataSource = PostgresSetup.CreateDataSource(_database.ConnectionString);
        await new MigrationRunner(_dataSource, NullLogger<MigrationRunner>.Instance).ApplyAsync([typeof(OutboxRelay).Assembly]);
        await using var table = _dataSource.CreateCommand("CREATE TABLE notes (id int PRIMARY KEY, text text NOT NULL); INSERT INTO notes VALUES (1, 'first')");
        await table.ExecuteNonQueryAsync();
        _signal = new OutboxSignal();
        _transactions = new OutboxTransaction.Factory(_dataSource, new OutboxWriter(new OutboxEventTypes().Add<NoteAdded>(), _signal), _signal);
    }

    public async Task DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task TheChangeItsEventAndTheCommitGoTogetherAndWakeTheRelay()
    {
        string text;
        await using (var transaction = await _transactions.BeginAsync(CancellationToken.None))
        {
            text = await transaction.CommitWithAsync(Guid.NewGuid(), eventId => new NoteAdded(eventId, 2), Insert(2, "second"), ReadTextAsync);
        }

        text.ShouldBe("second");
        (await NotesAsync()).ShouldBe(["first", "second"]);
        (await ScalarAsync("SELECT count(*) FROM outbox WHERE event_type = 'NoteAdded'")).ShouldBe(1);
        (await _signal.WaitAsync(TimeSpan.Zero, CancellationToken.None)).ShouldBeTrue("the relay was not woken");
    }

    [Fact]
    public async Task WhileThisInstancesRelayHoldsTheLockItsCommitsSendNoNotify()
    {
        await using var listener = await _dataSource.OpenConnectionAsync();
        var heard = 0;
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.Notification += (_, _) =>
        {
            Interlocked.Increment(ref heard);
            second.TrySetResult();
        };
        await using (var listen = new NpgsqlCommand($"LISTEN {OutboxChannel.Name}", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        // PostgreSQL delivers notifications in commit order: had the first commit sent one, it would be
        // heard before the second's.
        _signal.RelayHoldsLock = true;
        await CommitNoteAsync(4);
        _signal.RelayHoldsLock = false;
        await CommitNoteAsync(5);
        using var patience = new CancellationTokenSource(Poll.Patience);
        while (!second.Task.IsCompleted)
        {
            await listener.WaitAsync(patience.Token);
        }

        Volatile.Read(ref heard).ShouldBe(1, "the commit made while this instance's relay held the lock sent a NOTIFY");
        (await ScalarAsync("SELECT count(*) FROM outbox WHERE event_type = 'NoteAdded'")).ShouldBe(2);
        (await _signal.WaitAsync(TimeSpan.Zero, CancellationToken.None)).ShouldBeTrue("the relay was not woken in process");
    }

    private async Task CommitNoteAsync(int id)
    {
        await using var transaction = await _transactions.BeginAsync(CancellationToken.None);
        await transaction.CommitWithAsync(Guid.NewGuid(), eventId => new NoteAdded(eventId, id), Insert(id, $"note {id}"), ReadTextAsync);
    }

    [Fact]
    public async Task AFailedChangeLeavesNeitherRowNorEvent()
    {
        await using (var transaction = await _transactions.BeginAsync(CancellationToken.None))
        {
            var failure = await Should.ThrowAsync<PostgresException>(() =>
                transaction.CommitWithAsync(Guid.NewGuid(), eventId => new NoteAdded(eventId, 1), Insert(1, "again"), ReadTextAsync));
            failure.SqlState.ShouldBe(PostgresErrorCodes.UniqueViolation);
        }

        (await NotesAsync()).ShouldBe(["first"]);
        (await ScalarAsync("SELECT count(*) FROM outbox")).ShouldBe(0);
        // The connection went back to the pool usable and outside any transaction.
        (await ScalarAsync("SELECT count(*) FROM notes")).ShouldBe(1);
    }

    [Fact]
    public async Task CommittingAgainIsRefused()
    {
        await using var transaction = await _transactions.BeginAsync(CancellationToken.None);
        await transaction.CommitWithAsync(Guid.NewGuid(), eventId => new NoteAdded(eventId, 3), Insert(3, "third"), ReadTextAsync);

        await Should.ThrowAsync<InvalidOperationException>(transaction.CommitAsync);
    }

    private static NpgsqlBatchCommand Insert(int id, string text) =>
        new("INSERT INTO notes (id, text) VALUES ($1, $2) RETURNING text")
        {
            Parameters = { new NpgsqlParameter<int> { TypedValue = id }, new NpgsqlParameter<string> { TypedValue = text } },
        };

    private static async Task<string> ReadTextAsync(NpgsqlDataReader reader, CancellationToken cancellationToken) =>
        await reader.ReadAsync(cancellationToken) ? reader.GetString(0) : throw new InvalidOperationException("no row returned");

    private async Task<List<string>> NotesAsync()
    {
        await using var command = _dataSource.CreateCommand("SELECT text FROM notes ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync();
        var notes = new List<string>();
        while (await reader.ReadAsync())
        {
            notes.Add(reader.GetString(0));
        }

        return notes;
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var command = _dataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>The event these tests put in the outbox.</summary>
public sealed record NoteAdded(Guid EventId, int NoteId);
