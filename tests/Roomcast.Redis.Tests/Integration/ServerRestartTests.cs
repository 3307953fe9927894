using Roomcast.Redis.Tests.Infrastructure;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Roomcast.Redis.Tests.Integration;

/// <summary>The redis-server process dies (SIGKILL) and comes back on the same port; a server of the test's own, password-protected.</summary>
public sealed class ServerRestartTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Password = "restart-secret";
    private readonly TestLogger _log = new(output);
    private RedisServerProcess _server = null!;

    public async Task InitializeAsync() => _server = await RedisServerProcess.StartAsync(Password);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task CommandsFailAtOnceWhileTheServerIsDownAndWorkAgainOnceItIsBack()
    {
        await using var redis = await RedisConnection.ConnectAsync(Options(), _log);
        var changes = StateChanges.Of(redis);
        await redis.PingAsync();

        await _server.KillAsync();

        (await changes.WaitForAsync(RedisConnectionState.Disconnected)).Failure.ShouldNotBeNull();
        var attempt = redis.ExecuteAsync("PING");
        attempt.IsCompleted.ShouldBeTrue("a command issued while disconnected fails at once instead of waiting");
        var failure = await Should.ThrowAsync<RedisConnectionException>(attempt);
        failure.Message.ShouldContain($"Not connected to Redis at {_server.Endpoint}");

        await _server.StartAgainAsync();

        await changes.WaitForAsync(RedisConnectionState.Connected);
        await redis.PingAsync(); // authenticated again: the server would answer NOAUTH otherwise
        _log.EventIds.ShouldContain(4); // failed reconnect attempts while the server was down
    }

    [Fact]
    public async Task EveryCommandInFlightFailsWithAConnectionExceptionWhenTheServerDies()
    {
        var options = Options();
        options.CommandTimeout = TimeSpan.FromMinutes(1);
        await using var redis = await RedisConnection.ConnectAsync(options, _log);
        await using var admin = await RedisConnection.ConnectAsync(Options());

        await admin.ExecuteAsync("CLIENT", "PAUSE", 60_000, "WRITE");
        var inFlight = Enumerable.Range(0, 100).Select(_ => redis.IncrByAsync("counter", 1)).ToArray();
        await _server.KillAsync();

        foreach (var command in inFlight)
        {
            await Should.ThrowAsync<RedisConnectionException>(command.WaitAsync(TestRedis.Patience));
        }
    }

    [Fact]
    public async Task TheSubscriberSubscribesAgainWhenTheServerComesBack()
    {
        await using var subscriber = await RedisSubscriber.ConnectAsync(Options(), _log);
        await using var publisher = await RedisConnection.ConnectAsync(Options());
        var (subscriberChanges, publisherChanges) = (StateChanges.Of(subscriber), StateChanges.Of(publisher));
        var (news, rooms) = (new Inbox(), new Inbox());
        await subscriber.SubscribeAsync("news", news.Handler);
        await subscriber.PSubscribeAsync("room:*", rooms.Handler);

        await _server.KillAsync();
        await subscriberChanges.WaitForAsync(RedisConnectionState.Disconnected);
        var attempt = subscriber.SubscribeAsync("while-down", new Inbox().Handler);
        attempt.IsCompleted.ShouldBeTrue("subscribing while disconnected fails at once");
        await Should.ThrowAsync<RedisConnectionException>(attempt);
        await _server.StartAgainAsync();
        await subscriberChanges.WaitForAsync(RedisConnectionState.Connected);
        await publisherChanges.WaitForAsync(RedisConnectionState.Connected);

        (await publisher.PublishAsync("news", "back")).ShouldBe(1);
        (await publisher.PublishAsync("room:1", "back too")).ShouldBe(1);
        (await publisher.PublishAsync("while-down", "nobody")).ShouldBe(0);
        (await news.ReceiveTextAsync()).ShouldBe(("news", "back"));
        (await rooms.ReceiveTextAsync()).ShouldBe(("room:1", "back too"));
        _log.EventIds.ShouldContain(6); // restored subscriptions
    }

    private RedisOptions Options()
    {
        var options = TestRedis.Options(_server.Endpoint);
        options.Password = Password;
        return options;
    }
}
