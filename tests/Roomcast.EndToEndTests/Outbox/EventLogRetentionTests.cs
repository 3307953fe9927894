using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Roomcast.EndToEndTests.Infrastructure;
using Roomcast.Outbox;
using Roomcast.Postgres;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Outbox;

/// <summary>
/// The outbox's event log retention (ARCHITECTURE.md: "Published rows stay as the event log
/// (retention configurable)") against a real PostgreSQL database with the outbox's own migrations:
/// old or surplus published events go, unpublished ones stay however old they are.
/// </summary>
public sealed class EventLogRetentionTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private IsolatedDatabase _database = null!;
    private NpgsqlDataSource _dataSource = null!;

    public async Task InitializeAsync()
    {
        _database = await IsolatedDatabase.CreateAsync(TestStackSettings.Current, "outbox");
        _dataSource = NpgsqlDataSource.Create(_database.ConnectionString);
        await new MigrationRunner(_dataSource, NullLogger<MigrationRunner>.Instance).ApplyAsync([typeof(OutboxRelay).Assembly]);
    }

    public async Task DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task PublishedEventsOlderThanTheRetentionAreDeletedAndUnpublishedOnesStayHoweverOld()
    {
        await AddEventAsync(seq: 1, createdAgo: TimeSpan.FromHours(3), publishedAgo: TimeSpan.FromHours(2));
        await AddEventAsync(seq: 2, createdAgo: TimeSpan.FromHours(3), publishedAgo: TimeSpan.FromHours(2));
        await AddEventAsync(seq: 3, createdAgo: TimeSpan.FromMinutes(5), publishedAgo: TimeSpan.FromMinutes(5));
        // Numbered by a relay round whose publish failed, and not numbered yet: both wait to go out.
        await AddEventAsync(seq: 4, createdAgo: TimeSpan.FromHours(5), publishedAgo: null);
        await AddEventAsync(seq: null, createdAgo: TimeSpan.FromHours(5), publishedAgo: null);
        await SetLastSeqAsync(4);

        var deleted = await OutboxRetention.PruneAsync(_dataSource, Now - TimeSpan.FromHours(1), maxEvents: 0, batchSize: 100, CancellationToken.None);

        deleted.ShouldBe(2);
        (await RemainingAsync()).ShouldBe(["seq 3 published", "seq 4 unpublished", "unnumbered unpublished"]);
    }

    [Fact]
    public async Task TheCountLimitKeepsOnlyTheNewestPublishedEvents()
    {
        for (var seq = 1; seq <= 6; seq++)
        {
            await AddEventAsync(seq, createdAgo: TimeSpan.FromSeconds(10), publishedAgo: TimeSpan.FromSeconds(9));
        }

        await AddEventAsync(seq: 7, createdAgo: TimeSpan.FromSeconds(1), publishedAgo: null);
        await SetLastSeqAsync(7);

        var deleted = await OutboxRetention.PruneAsync(_dataSource, Now - TimeSpan.FromDays(7), maxEvents: 3, batchSize: 100, CancellationToken.None);

        deleted.ShouldBe(4);
        (await RemainingAsync()).ShouldBe(["seq 5 published", "seq 6 published", "seq 7 unpublished"]);
    }

    [Fact]
    public async Task ABacklogLargerThanOneBatchIsDeletedBatchByBatchInOneRound()
    {
        for (var seq = 1; seq <= 7; seq++)
        {
            await AddEventAsync(seq, createdAgo: TimeSpan.FromDays(9), publishedAgo: TimeSpan.FromDays(8));
        }

        await AddEventAsync(seq: 8, createdAgo: TimeSpan.FromMinutes(1), publishedAgo: TimeSpan.FromMinutes(1));
        await SetLastSeqAsync(8);

        var deleted = await OutboxRetention.PruneAsync(_dataSource, Now - TimeSpan.FromDays(7), maxEvents: 0, batchSize: 2, CancellationToken.None);

        deleted.ShouldBe(7);
        (await RemainingAsync()).ShouldBe(["seq 8 published"]);
    }

    private async Task AddEventAsync(long? seq, TimeSpan createdAgo, TimeSpan? publishedAgo)
    {
        await using var command = _dataSource.CreateCommand(
            """
            INSERT INTO outbox (event_id, record_id, event_type, payload, created_at, seq, published_at)
            VALUES (gen_random_uuid(), gen_random_uuid(), 'DocumentChanged', '{}', $1, $2, $3)
            """);
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = (Now - createdAgo).UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter { Value = seq is { } value ? value : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = publishedAgo is { } ago ? (Now - ago).UtcDateTime : DBNull.Value,
            NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz,
        });
        await command.ExecuteNonQueryAsync();
    }

    private async Task SetLastSeqAsync(long lastSeq)
    {
        await using var command = _dataSource.CreateCommand("UPDATE outbox_state SET last_seq = $1");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = lastSeq });
        await command.ExecuteNonQueryAsync();
    }

    private async Task<List<string>> RemainingAsync()
    {
        await using var command = _dataSource.CreateCommand(
            """
            SELECT coalesce('seq ' || seq, 'unnumbered') || CASE WHEN published_at IS NULL THEN ' unpublished' ELSE ' published' END
            FROM outbox ORDER BY seq NULLS LAST
            """);
        await using var reader = await command.ExecuteReaderAsync();
        var remaining = new List<string>();
        while (await reader.ReadAsync())
        {
            remaining.Add(reader.GetString(0));
        }

        return remaining;
    }
}
