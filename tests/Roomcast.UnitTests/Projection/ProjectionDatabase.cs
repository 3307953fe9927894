using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Roomcast.DocumentsApi.Projection;
using Roomcast.EndToEndTests.Infrastructure;
using Roomcast.Outbox;
using Roomcast.Postgres;

namespace Roomcast.UnitTests.Projection;

/// <summary>
/// documents-api's real schema in a database of its own on the test stack's PostgreSQL
/// (<see cref="TestStackSettings"/>: local processes or containers), dropped afterwards.
/// </summary>
internal sealed class ProjectionDatabase : IAsyncDisposable
{
    private readonly string _database = $"projection_{Guid.NewGuid():N}";
    private NpgsqlDataSource? _dataSource;
    private MembershipProjectionStore? _projection;

    public NpgsqlDataSource DataSource => _dataSource ?? throw new InvalidOperationException("Not initialised.");

    public MembershipProjectionStore Projection => _projection ?? throw new InvalidOperationException("Not initialised.");

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

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }

        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(ConnectionString("postgres"));
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    private static string ConnectionString(string database) => TestStackSettings.Current.PostgresConnectionString(database);
}
