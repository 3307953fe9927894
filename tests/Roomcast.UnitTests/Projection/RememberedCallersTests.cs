using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Roomcast.DocumentsApi;
using Roomcast.DocumentsApi.Projection;
using Shouldly;
using Xunit;

namespace Roomcast.UnitTests.Projection;

/// <summary>
/// The session check's memory of callers (<see cref="RememberedCallers"/>) with its listener, on the real
/// schema and a real LISTEN (<see cref="ProjectionDatabase"/>). A change made with the schema's triggers
/// disabled is one the cache cannot hear: it shows whether an answer came from memory or from the database.
/// </summary>
public sealed class RememberedCallersTests : IAsyncLifetime
{
    private readonly ProjectionDatabase _database = new();
    private readonly ManualClock _clock = new();
    private readonly DocumentsOptions _options = new() { CallerCacheMaxAge = TimeSpan.FromMinutes(10) };
    private RememberedCallers _callers = null!;
    private CallerChangeListener? _listener;

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        _callers = new RememberedCallers(_database.Projection, _clock, Options.Create(_options));
    }

    public async Task DisposeAsync()
    {
        if (_listener is not null)
        {
            await _listener.StopAsync(default);
            _listener.Dispose();
        }

        await _database.DisposeAsync();
    }

    [Fact]
    public async Task ACallerIsAnsweredFromMemoryUntilTheirSessionEpochChangesThenTheNewEpochAtOnce()
    {
        var user = Guid.NewGuid();
        await _database.Projection.RaiseSessionEpochAsync(user, 1, default);
        await StartListeningAsync();
        (await _callers.FindAsync(user, default)).SessionEpoch.ShouldBe(1);

        await ChangeUnheardAsync("UPDATE session_epochs SET epoch = 7 WHERE user_id = @user", user);
        (await _callers.FindAsync(user, default)).SessionEpoch.ShouldBe(1, "remembered: the unheard change is not read");

        await _database.Projection.RaiseSessionEpochAsync(user, 8, default);
        await EventuallyAsync(async () => (await _callers.FindAsync(user, default)).SessionEpoch == 8,
            "the remembered caller forgotten once the epoch's change committed");
    }

    [Fact]
    public async Task ARoleChangeIsHeardAsAnEpochIs()
    {
        var user = Guid.NewGuid();
        await _database.Projection.UpsertUserAsync(user, "demoted", isAdmin: true, version: 1, default);
        await StartListeningAsync();
        (await _callers.FindAsync(user, default)).IsAdmin.ShouldBe(true);

        await _database.Projection.UpsertUserAsync(user, "demoted", isAdmin: false, version: 2, default);
        await EventuallyAsync(async () => (await _callers.FindAsync(user, default)).IsAdmin == false,
            "the remembered admin forgotten once the demotion committed");
    }

    [Fact]
    public async Task NothingIsRememberedBeforeTheListenerListensNorAfterItsConnectionIsLost()
    {
        var user = Guid.NewGuid();
        await _database.Projection.RaiseSessionEpochAsync(user, 1, default);
        (await _callers.FindAsync(user, default)).SessionEpoch.ShouldBe(1);
        await ChangeUnheardAsync("UPDATE session_epochs SET epoch = 3 WHERE user_id = @user", user);
        (await _callers.FindAsync(user, default)).SessionEpoch.ShouldBe(3, "no listener: every answer is read");

        await StartListeningAsync();
        (await _callers.FindAsync(user, default)).SessionEpoch.ShouldBe(3);
        await using (var connection = await _database.DataSource.OpenConnectionAsync())
        {
            var terminated = await connection.ExecuteScalarAsync<int>(
                "SELECT count(*)::int FROM pg_stat_activity, pg_terminate_backend(pid) WHERE datname = current_database() AND pid <> pg_backend_pid() AND query IN (@listen, @probe)",
                new { listen = $"LISTEN {CallerChangeListener.Channel}", probe = CallerChangeListener.Probe });
            terminated.ShouldBe(1, "the listener's backend");
        }

        // Whether or not the listener is back already, what it remembered before the loss is gone.
        await ChangeUnheardAsync("UPDATE session_epochs SET epoch = 5 WHERE user_id = @user", user);
        await EventuallyAsync(async () => (await _callers.FindAsync(user, default)).SessionEpoch == 5,
            "nothing remembered from before the LISTEN was lost");

        await EventuallyAsync(() => Task.FromResult(_callers.IsRemembering), "the listener to listen again");
        await _database.Projection.RaiseSessionEpochAsync(user, 6, default);
        await EventuallyAsync(async () => (await _callers.FindAsync(user, default)).SessionEpoch == 6, "changes heard again");
    }

    [Fact]
    public async Task AnAnswerReadBeforeAChangeWasHeardIsNotKept()
    {
        var user = Guid.NewGuid();
        await StartListeningAsync();
        var generation = _callers.Generation;

        _callers.Forget(user); // a notification arrives while the answer is being read
        _callers.Remember(user, new ProjectedCaller(IsAdmin: true, SessionEpoch: 0), generation, _clock.GetTimestamp());

        _callers.TryRecall(user, out _).ShouldBeFalse();
    }

    [Fact]
    public async Task AnEntryIsNotServedPastItsMaxAge()
    {
        var user = Guid.NewGuid();
        await _database.Projection.RaiseSessionEpochAsync(user, 1, default);
        await StartListeningAsync();
        await _callers.FindAsync(user, default);
        _callers.TryRecall(user, out _).ShouldBeTrue();

        _clock.Advance(_options.CallerCacheMaxAge);
        _callers.ProvenAlive(); // the listener's next probe: only the entry's age is left to refuse it

        _callers.TryRecall(user, out _).ShouldBeFalse();
    }

    [Fact]
    public void NothingIsServedWhileTheListenHasNotBeenProvenAliveWithinTheLivenessWindow()
    {
        // No listener here: the test plays its part, so no probe proves anything behind its back.
        var user = Guid.NewGuid();
        _callers.StartRemembering();
        _callers.Remember(user, new ProjectedCaller(IsAdmin: false, SessionEpoch: 1), _callers.Generation, _clock.GetTimestamp());
        _callers.TryRecall(user, out _).ShouldBeTrue();

        _clock.Advance(RememberedCallers.LivenessWindow);

        _callers.IsRemembering.ShouldBeFalse("a LISTEN not proven alive for the whole window may have died without a word");
        _callers.TryRecall(user, out _).ShouldBeFalse();
        _callers.ProvenAlive();
        _callers.TryRecall(user, out var caller).ShouldBeTrue("proven alive again, with nothing heard meanwhile");
        caller.SessionEpoch.ShouldBe(1);
    }

    [Fact]
    public async Task AZeroMaxAgeRemembersNothing()
    {
        _options.CallerCacheMaxAge = TimeSpan.Zero;
        var user = Guid.NewGuid();
        await _database.Projection.RaiseSessionEpochAsync(user, 1, default);
        _listener = new CallerChangeListener(_database.DataSource, _callers, NullLogger<CallerChangeListener>.Instance);
        await _listener.StartAsync(default);
        await (_listener.ExecuteTask ?? Task.CompletedTask); // with the cache off it returns at once

        await _callers.FindAsync(user, default);
        _callers.IsRemembering.ShouldBeFalse();
        _callers.TryRecall(user, out _).ShouldBeFalse();
    }

    private async Task StartListeningAsync()
    {
        _listener = new CallerChangeListener(_database.DataSource, _callers, NullLogger<CallerChangeListener>.Instance);
        await _listener.StartAsync(default);
        await EventuallyAsync(() => Task.FromResult(_callers.IsRemembering), "the listener to listen");
    }

    /// <summary>Runs <paramref name="sql"/> with the triggers that announce caller changes off, for this statement only.</summary>
    private async Task ChangeUnheardAsync(string sql, Guid user)
    {
        await using var connection = await _database.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("ALTER TABLE session_epochs DISABLE TRIGGER session_epochs_caller_changed", transaction: transaction);
        (await connection.ExecuteAsync(sql, new { user }, transaction)).ShouldBe(1);
        await connection.ExecuteAsync("ALTER TABLE session_epochs ENABLE ALWAYS TRIGGER session_epochs_caller_changed", transaction: transaction);
        await transaction.CommitAsync();
    }

    /// <summary>Asks <paramref name="condition"/> every 50 ms until it holds; fails after 10 s.</summary>
    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"{what} did not happen within 10 s");
            await Task.Delay(50);
        }
    }

    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
