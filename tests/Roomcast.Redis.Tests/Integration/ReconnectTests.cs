using System.Text.RegularExpressions;
using Roomcast.Redis.Tests.Infrastructure;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Roomcast.Redis.Tests.Integration;

/// <summary>
/// The stack's redis-server drops one of our connections (<c>CLIENT KILL ID</c>, only ever our own);
/// the client notices, fails what was in flight and comes back on its own.
/// </summary>
public sealed class ReconnectTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _prefix = TestRedis.NewPrefix();
    private readonly TestLogger _log = new(output);
    private RedisConnection _admin = null!;

    public async Task InitializeAsync() => _admin = await RedisConnection.ConnectAsync(TestRedis.Options());

    public async Task DisposeAsync() => await _admin.DisposeAsync();

    [Fact]
    public async Task ACommandConnectionKilledByTheServerReconnectsOnItsOwnWithItsDatabase()
    {
        var options = TestRedis.Options();
        options.Database = 5;
        await using var redis = await RedisConnection.ConnectAsync(options, _log);
        var changes = StateChanges.Of(redis);
        await redis.SetAsync(Key("kept"), "in database 5");
        var id = await ClientIdAsync(redis);

        await KillAsync(id);

        var lost = await changes.WaitForAsync(RedisConnectionState.Disconnected);
        lost.Failure.ShouldBeOfType<RedisConnectionException>();
        await changes.WaitForAsync(RedisConnectionState.Connected);
        redis.State.ShouldBe(RedisConnectionState.Connected);
        (await ClientIdAsync(redis)).ShouldNotBe(id);
        (await redis.GetAsync(Key("kept"))).AsString().ShouldBe("in database 5");
        new[] { 1, 2, 3, 5 }.ShouldAllBe(id => _log.EventIds.Contains(id)); // connected, lost (with reason), reconnect attempt, reconnected
    }

    [Fact]
    public async Task EveryCommandInFlightFailsWithAConnectionExceptionWhenTheConnectionIsKilled()
    {
        var options = TestRedis.Options();
        options.CommandTimeout = TimeSpan.FromMinutes(1);
        await using var redis = await RedisConnection.ConnectAsync(options, _log);
        var changes = StateChanges.Of(redis);
        var id = await ClientIdAsync(redis);

        // BLPOP on a list nobody fills blocks this connection: everything behind it waits for a reply.
        var blocked = redis.ExecuteAsync("BLPOP", Key("never-filled"), 0);
        var behind = Enumerable.Range(0, 100).Select(_ => redis.IncrByAsync(Key("never-counted"), 1)).ToArray();
        await KillAsync(id);

        var failure = await Should.ThrowAsync<RedisConnectionException>(blocked.WaitAsync(TestRedis.Patience));
        failure.Message.ShouldContain(TestRedis.Endpoint);
        foreach (var command in behind)
        {
            await Should.ThrowAsync<RedisConnectionException>(command.WaitAsync(TestRedis.Patience));
        }
        await changes.WaitForAsync(RedisConnectionState.Connected);
        (await redis.GetAsync(Key("never-counted"))).IsNull.ShouldBeTrue();
    }

    [Fact]
    public async Task ASubscriberKilledByTheServerReconnectsAndHearsItsChannelsAndPatternsAgain()
    {
        var options = TestRedis.Options();
        options.ClientName = $"roomcast-redis-tests-{Guid.NewGuid():N}";
        await using var subscriber = await RedisSubscriber.ConnectAsync(options, _log);
        var changes = StateChanges.Of(subscriber);
        var (channel, pattern) = (new Inbox(), new Inbox());
        await subscriber.SubscribeAsync(Key("news"), channel.Handler);
        await subscriber.PSubscribeAsync(Key("room:*"), pattern.Handler);

        await KillAsync(await ClientIdByNameAsync(options.ClientName));

        await changes.WaitForAsync(RedisConnectionState.Disconnected);
        await changes.WaitForAsync(RedisConnectionState.Connected);
        (await _admin.PublishAsync(Key("news"), "after the reconnect")).ShouldBe(1);
        (await _admin.PublishAsync(Key("room:7"), "to the pattern")).ShouldBe(1);
        (await channel.ReceiveTextAsync()).ShouldBe((Key("news"), "after the reconnect"));
        (await pattern.ReceiveTextAsync()).ShouldBe((Key("room:7"), "to the pattern"));
        _log.EventIds.ShouldContain(6); // restored subscriptions
    }

    private string Key(string name) => _prefix + name;

    private static async Task<long> ClientIdAsync(RedisConnection redis) => (await redis.ExecuteAsync("CLIENT", "ID")).AsInt64();

    private async Task<long> ClientIdByNameAsync(string name)
    {
        var clients = (await _admin.ExecuteAsync("CLIENT", "LIST")).AsString()!;
        var line = clients.Split('\n').Single(client => client.Contains($" name={name} ", StringComparison.Ordinal));
        return long.Parse(Regex.Match(line, @"^id=(\d+) ").Groups[1].Value);
    }

    private async Task KillAsync(long clientId) =>
        (await _admin.ExecuteAsync("CLIENT", "KILL", "ID", clientId)).AsInt64().ShouldBe(1);
}
