using System.Text.Json;
using System.Threading.Channels;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Roomcast.EndToEndTests.Infrastructure;
using Roomcast.Outbox;
using Roomcast.Postgres;
using Roomcast.ServiceDefaults.Messaging;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Outbox;

/// <summary>
/// The outbox relay against a real PostgreSQL database (the outbox's own migrations) and a real
/// RabbitMQ virtual host: what it publishes, in which order, at which outbox position, and what its query of
/// the waiting rows reads.
/// </summary>
public sealed class OutboxRelayTests : IAsyncLifetime
{
    private TestStackSettings _stack = null!;
    private IsolatedDatabase _database = null!;
    private IsolatedVirtualHost _virtualHost = null!;
    private NpgsqlDataSource _dataSource = null!;

    public async Task InitializeAsync()
    {
        _stack = TestStackSettings.Current;
        _database = await IsolatedDatabase.CreateAsync(_stack, "relay");
        _virtualHost = await IsolatedVirtualHost.CreateAsync(_stack);
        _dataSource = PostgresSetup.CreateDataSource(_database.ConnectionString); // as the services have it: pooled connections are not reset
        await new MigrationRunner(_dataSource, NullLogger<MigrationRunner>.Instance).ApplyAsync([typeof(OutboxRelay).Assembly]);
    }

    public async Task DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await _database.DisposeAsync();
        await _virtualHost.DisposeAsync();
    }

    [Fact]
    public async Task RowsNumberedByAFailedRoundGoOutFirstInSeqOrderAndALateCommitIsNumberedAfterThem()
    {
        // What a relay leaves when its round fails after numbering: seq 4 went out; 5 and 6 were
        // numbered but not confirmed. "late" was committed after that round read the outbox, with a
        // lower id than theirs (its transaction began first).
        await AddEventAsync("published", seq: 4, published: true);
        await AddEventAsync("late", seq: null, published: false);
        await AddEventAsync("numbered-5", seq: 5, published: false);
        await AddEventAsync("numbered-6", seq: 6, published: false);
        await ExecuteAsync("UPDATE outbox_state SET last_seq = 6");

        using var host = BuildRelayHost(out var received);
        await host.StartAsync();
        try
        {
            var published = new List<RelayProbe>();
            using var patience = new CancellationTokenSource(Poll.Patience);
            while (published.Count < 3)
            {
                published.Add(await received.ReadAsync(patience.Token));
            }

            published.Select(probe => $"{probe.Name} as {probe.OutboxPosition}").ShouldBe(["numbered-5 as 5", "numbered-6 as 6", "late as 7"]);
            await Poll.UntilAsync(async () => await ScalarAsync<long>("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0,
                "every row marked published");
            (await ScalarAsync<long>("SELECT seq FROM outbox WHERE payload->>'name' = 'late'")).ShouldBe(7);
            (await ScalarAsync<long>("SELECT last_seq FROM outbox_state")).ShouldBe(7);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task ABacklogOfSeveralRoundsGoesOutInSeqOrder()
    {
        // More than one round's batch (200), committed before the relay starts: the first round starts
        // on a fresh bus, the next ones on a warm one; publishes overlap in both.
        const int Backlog = 450;
        for (var index = 0; index < Backlog; index++)
        {
            await AddEventAsync($"event-{index}", seq: null, published: false);
        }

        using var host = BuildRelayHost(out var received);
        await host.StartAsync();
        try
        {
            var published = new List<RelayProbe>();
            using var patience = new CancellationTokenSource(Poll.Patience * 3);
            while (published.Count < Backlog)
            {
                published.Add(await received.ReadAsync(patience.Token));
            }

            published.Select(probe => probe.OutboxPosition).ShouldBe(Enumerable.Range(1, Backlog).Select(seq => (long)seq));
            published.Select(probe => probe.Name).ShouldBe(Enumerable.Range(0, Backlog).Select(index => $"event-{index}"));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task AStoppedRelayLeavesNoPooledConnectionListeningOrHoldingItsLock()
    {
        await AddEventAsync("one", seq: null, published: false);
        using (var host = BuildRelayHost(out var received))
        {
            await host.StartAsync();
            using var patience = new CancellationTokenSource(Poll.Patience);
            (await received.ReadAsync(patience.Token)).Name.ShouldBe("one"); // it held the lock and listened
            await host.StopAsync();
        }

        // This database only: the server also holds the relays of services other test classes run.
        (await ScalarAsync<long>(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"))
            .ShouldBe(0);
        // Every idle connection of the pool, and a few more: none is still listening.
        var connections = new List<NpgsqlConnection>();
        try
        {
            for (var index = 0; index < 6; index++)
            {
                connections.Add(await _dataSource.OpenConnectionAsync());
            }

            foreach (var connection in connections)
            {
                await using var listening = new NpgsqlCommand("SELECT count(*) FROM pg_listening_channels()", connection);
                ((long)(await listening.ExecuteScalarAsync())!).ShouldBe(0);
            }
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ALoneEventIsMarkedPublishedWithinTheMarkDelayWithoutAnotherCommit()
    {
        // The mark waits for the next round's read; with no next commit, for the mark delay, never the poll.
        using var host = BuildRelayHost(out var received, pollInterval: TimeSpan.FromMinutes(10), markDelay: TimeSpan.FromMilliseconds(100));
        await host.StartAsync();
        try
        {
            await CommitAsAnotherInstanceAsync("alone");
            using var patience = new CancellationTokenSource(Poll.Patience);
            (await received.ReadAsync(patience.Token)).Name.ShouldBe("alone");
            await Poll.UntilAsync(async () => await ScalarAsync<long>("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0,
                "the lone event marked published");
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task ARelayStoppedBeforeItsMarkWasDueWritesItOnTheWayOut()
    {
        using var host = BuildRelayHost(out var received, pollInterval: TimeSpan.FromMinutes(10), markDelay: TimeSpan.FromSeconds(10));
        await host.StartAsync();
        var relay = host.Services.GetServices<IHostedService>().OfType<OutboxRelay>().Single();
        using var patience = new CancellationTokenSource(Poll.Patience);
        // A commit whose NOTIFY wakes the relay mid-round (its start-up rounds) is read by that round and
        // wakes it once more: the extra round writes the mark. A first event lets those rounds end, so
        // the relay waits when the last one is committed and only its NOTIFY wakes it.
        await CommitAsAnotherInstanceAsync("first");
        (await received.ReadAsync(patience.Token)).Name.ShouldBe("first");
        await Poll.UntilAsync(async () => relay.HasPendingMark || await ScalarAsync<long>("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0,
            "the first event's round over");
        await CommitWithNotifyAsync(Guid.NewGuid(), "last");
        (await received.ReadAsync(patience.Token)).Name.ShouldBe("last");
        // The consumer can have the event before the relay has its confirm: a stop before then cuts the
        // round short, and the event goes out again from the next relay. Here the round is over.
        await Poll.UntilAsync(() => Task.FromResult(relay.HasPendingMark), "the relay's round over, its mark waiting");
        (await ScalarAsync<long>("SELECT count(*) FROM outbox WHERE published_at IS NULL")).ShouldBe(1, "the mark was written before it was due: this test proves nothing");

        await host.StopAsync();

        (await ScalarAsync<long>("SELECT count(*) FROM outbox WHERE published_at IS NULL")).ShouldBe(0, "the next relay would publish the event again");
        (await ScalarAsync<long>("SELECT last_seq FROM outbox_state")).ShouldBe(2);
    }

    /// <summary>
    /// Once the started relay listens (and has had its own start-up wake-ups), commits an event the way
    /// another instance does: its row and its NOTIFY. Nothing else wakes the relay after it.
    /// </summary>
    private async Task CommitAsAnotherInstanceAsync(string name)
    {
        await Poll.UntilAsync(async () => await ScalarAsync<long>(
                $"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN {OutboxChannel.Name}'") == 1,
            "the relay listening");
        await CommitWithNotifyAsync(Guid.NewGuid(), name);
    }

    /// <summary>An event's row and the NOTIFY another instance sends with it, in one transaction.</summary>
    private Task CommitWithNotifyAsync(Guid eventId, string name) => ExecuteAsync(
        $$"""
        BEGIN;
        INSERT INTO outbox (event_id, event_type, payload)
        VALUES ('{{eventId}}', 'RelayProbe', '{"eventId": "{{eventId}}", "outboxPosition": 0, "name": "{{name}}"}');
        SELECT pg_notify('{{OutboxChannel.Name}}', 'another-instance');
        COMMIT;
        """);

    [Fact]
    public async Task ACommitOfAnotherInstanceWakesTheRelayThroughNotify()
    {
        // The relay polls only every 10 minutes here: what it publishes at once, a NOTIFY woke it for.
        await AddEventAsync("first", seq: null, published: false);
        using var host = BuildRelayHost(out var received, pollInterval: TimeSpan.FromMinutes(10));
        await host.StartAsync();
        try
        {
            using var patience = new CancellationTokenSource(Poll.Patience);
            (await received.ReadAsync(patience.Token)).Name.ShouldBe("first");
            await Poll.UntilAsync(async () => await ScalarAsync<long>(
                    $"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN {OutboxChannel.Name}'") == 1,
                "the relay listening");

            // Two commits of another instance, one after the other: each its row and its NOTIFY, nothing
            // in this process. The relay wakes once by itself when it starts listening, which could
            // explain the first; only a NOTIFY explains the second.
            foreach (var (eventId, name) in new[] { ("00000000-0000-4000-8000-0000000000b1", "from elsewhere 1"), ("00000000-0000-4000-8000-0000000000b2", "from elsewhere 2") })
            {
                await CommitWithNotifyAsync(Guid.Parse(eventId), name);
                (await received.ReadAsync(patience.Token)).Name.ShouldBe(name);
            }
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Theory]
    [InlineData(nameof(OutboxRelay.WaitingRowsQuery), true)]
    [InlineData(nameof(OutboxRelay.WaitingRowsQuery), false)]
    [InlineData(nameof(OutboxRelay.NumberedRowsQuery), true)]
    [InlineData(nameof(OutboxRelay.NumberedRowsQuery), false)]
    public async Task TheWaitingRowsAreFoundThroughTheUnpublishedIndexNotByReadingTheEventLog(string query, bool freshStatistics)
    {
        // A long event log and a few waiting rows. Statistics taken while most rows still waited (a
        // burst, before autovacuum analyzes again) made PostgreSQL walk the whole event log for the
        // relay's earlier query; the plan must not depend on them.
        await ExecuteAsync(
            """
            ALTER TABLE outbox SET (autovacuum_enabled = false);
            INSERT INTO outbox (event_id, event_type, payload)
            SELECT gen_random_uuid(), 'RelayProbe', '{}' FROM generate_series(1, 20000);
            """);
        if (!freshStatistics)
        {
            await ExecuteAsync("ANALYZE outbox");
        }

        await ExecuteAsync("UPDATE outbox SET seq = id, published_at = now() WHERE id <= 19997; UPDATE outbox SET seq = id WHERE id = 19998;");
        if (freshStatistics)
        {
            await ExecuteAsync("ANALYZE outbox");
        }

        var sql = query == nameof(OutboxRelay.WaitingRowsQuery) ? OutboxRelay.WaitingRowsQuery : OutboxRelay.NumberedRowsQuery;

        var plan = await ScalarAsync<string>($"EXPLAIN (FORMAT JSON) {sql.Replace("@batch", "200")}");

        var scans = ScansIn(JsonDocument.Parse(plan).RootElement[0].GetProperty("Plan")).ToList();
        scans.ShouldBe(["Index Scan on outbox using outbox_unpublished"], $"plan: {plan}");
    }

    private static IEnumerable<string> ScansIn(JsonElement node)
    {
        var type = node.GetProperty("Node Type").GetString()!;
        if (type.Contains("Scan", StringComparison.Ordinal))
        {
            yield return node.TryGetProperty("Index Name", out var index)
                ? $"{type} on {node.GetProperty("Relation Name").GetString()} using {index.GetString()}"
                : $"{type} on {(node.TryGetProperty("Relation Name", out var relation) ? relation.GetString() : "?")}";
        }

        if (node.TryGetProperty("Plans", out var children))
        {
            foreach (var scan in children.EnumerateArray().SelectMany(ScansIn))
            {
                yield return scan;
            }
        }
    }

    private IHost BuildRelayHost(out ChannelReader<RelayProbe> received, TimeSpan? pollInterval = null, TimeSpan? markDelay = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RabbitMq:Host"] = _stack.RabbitMqHost,
            ["RabbitMq:Port"] = _stack.RabbitMqPort.ToString(),
            ["RabbitMq:VirtualHost"] = _virtualHost.Name,
            ["RabbitMq:Username"] = _stack.RabbitMqUser,
            ["RabbitMq:Password"] = _stack.RabbitMqPassword,
            ["Outbox:PollInterval"] = (pollInterval ?? TimeSpan.FromSeconds(2)).ToString(),
            ["Outbox:MarkDelay"] = (markDelay ?? TimeSpan.FromMilliseconds(100)).ToString(),
        });
        var probes = Channel.CreateUnbounded<RelayProbe>();
        received = probes.Reader;
        builder.Services.AddSingleton(probes.Writer);
        builder.Services.AddSingleton(_dataSource);
        // The queue is bound before the relay starts, so nothing it publishes is dropped unrouted.
        builder.Services.Configure<MassTransitHostOptions>(host => host.WaitUntilStarted = true);
        builder.AddRoomcastMessageBus(
            bus => bus.AddConsumer<RelayProbeConsumer>(),
            (context, rabbit) => rabbit.ReceiveEndpoint("relay-probes", endpoint =>
            {
                endpoint.ConcurrentMessageLimit = 1; // in the order they arrive
                endpoint.ConfigureConsumer<RelayProbeConsumer>(context);
            }));
        builder.AddRoomcastOutbox(types => types.Add<RelayProbe>());
        return builder.Build();
    }

    private async Task AddEventAsync(string name, long? seq, bool published)
    {
        var eventId = Guid.NewGuid();
        await using var command = _dataSource.CreateCommand(
            """
            INSERT INTO outbox (event_id, event_type, payload, seq, published_at)
            VALUES ($1, 'RelayProbe', $2::jsonb, $3, CASE WHEN $4 THEN now() END)
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = eventId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(new { eventId, outboxPosition = 0, name }) });
        command.Parameters.Add(new NpgsqlParameter { Value = seq is { } value ? value : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = published });
        await command.ExecuteNonQueryAsync();
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = _dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = _dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>The event these tests put in the outbox.</summary>
public sealed record RelayProbe(Guid EventId, long OutboxPosition, string Name);

public sealed class RelayProbeConsumer(ChannelWriter<RelayProbe> received) : IConsumer<RelayProbe>
{
    public Task Consume(ConsumeContext<RelayProbe> context) => received.WriteAsync(context.Message, context.CancellationToken).AsTask();
}
