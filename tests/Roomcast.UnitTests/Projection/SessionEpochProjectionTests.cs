using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Roomcast.DocumentsApi.Projection;
using Roomcast.Outbox;
using Roomcast.Postgres;
using Shouldly;
using Xunit;

namespace Roomcast.UnitTests.Projection;

/// <summary>
/// documents-api's projection of identity's session epochs, on its real schema in a database of its
/// own on the test stack's PostgreSQL (<c>ROOMCAST_PG_*</c>, as <c>scripts/test.sh</c> exports them).
/// </summary>
public sealed class SessionEpochProjectionTests : IAsyncLifetime
{
    private readonly string _database = $"projection_{Guid.NewGuid():N}";
    private NpgsqlDataSource _dataSource = null!;
    private MembershipProjectionStore _projection = null!;

    public async Task InitializeAsync()
    {
        await using (var admin = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_database}\"", admin);
            await create.ExecuteNonQueryAsync();
        }

        _dataSource = NpgsqlDataSource.Create(ConnectionString(_database));
        await new MigrationRunner(_dataSource, NullLogger<MigrationRunner>.Instance)
            .ApplyAsync([typeof(MembershipProjectionStore).Assembly, typeof(OutboxRelay).Assembly]);
        _projection = new MembershipProjectionStore(_dataSource);
    }

    public async Task DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(ConnectionString("postgres"));
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task AReplayedOlderSessionEndDoesNotLowerTheEpoch()
    {
        var user = Guid.NewGuid();
        await _projection.RaiseSessionEpochAsync(user, 1, default);
        await _projection.RaiseSessionEpochAsync(user, 3, default);

        await _projection.RaiseSessionEpochAsync(user, 2, default);
        await _projection.RaiseSessionEpochAsync(user, 1, default);

        (await _projection.FindCallerAsync(user, default)).SessionEpoch.ShouldBe(3);
    }

    [Fact]
    public async Task AnEpochHeardBeforeTheUserLeavesTheUserUnknownAndTheUsersRecordLeavesTheEpoch()
    {
        var user = Guid.NewGuid();
        await _projection.RaiseSessionEpochAsync(user, 2, default);

        (await _projection.FindCallerAsync(user, default)).ShouldBe(new ProjectedCaller(IsAdmin: null, SessionEpoch: 2));

        await _projection.UpsertUserAsync(user, "late", isAdmin: true, version: 1, default);
        (await _projection.FindCallerAsync(user, default)).ShouldBe(new ProjectedCaller(IsAdmin: true, SessionEpoch: 2));
    }

    [Fact]
    public async Task AUserWhoseSessionsNeverEndedIsAtEpochZeroWithTheRoleIdentityLastGave()
    {
        var user = Guid.NewGuid();
        await _projection.UpsertUserAsync(user, "demoted", isAdmin: true, version: 1, default);
        await _projection.UpsertUserAsync(user, "demoted", isAdmin: false, version: 2, default);
        await _projection.UpsertUserAsync(user, "demoted", isAdmin: true, version: 1, default);

        (await _projection.FindCallerAsync(user, default)).ShouldBe(new ProjectedCaller(IsAdmin: false, SessionEpoch: 0));
        (await _projection.FindCallerAsync(Guid.NewGuid(), default)).ShouldBe(new ProjectedCaller(IsAdmin: null, SessionEpoch: 0));
    }

    private static string ConnectionString(string database) =>
        $"Host={Require("ROOMCAST_PG_HOST")};Port={Require("ROOMCAST_PG_PORT")};Username={Require("ROOMCAST_PG_USER")};" +
        $"Password={Require("ROOMCAST_PG_PASSWORD")};Database={database}";

    private static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: this test runs against the test stack's PostgreSQL (scripts/test.sh exports it).");
}
