using Roomcast.Redis.Tests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.Redis.Tests.Integration;

public sealed class DisposeTests
{
    private readonly string _prefix = TestRedis.NewPrefix();

    [Fact]
    public async Task DisposingFailsTheCommandsInFlightAndRefusesNewOnes()
    {
        var options = TestRedis.Options();
        options.CommandTimeout = TimeSpan.FromMinutes(1);
        var redis = await RedisConnection.ConnectAsync(options);
        var changes = StateChanges.Of(redis);
        var blocked = redis.ExecuteAsync("BLPOP", _prefix + "never-filled", 0);

        await redis.DisposeAsync();

        (await Should.ThrowAsync<RedisConnectionException>(blocked.WaitAsync(TestRedis.Patience))).Message.ShouldContain("was closed");
        await changes.WaitForAsync(RedisConnectionState.Closed);
        redis.State.ShouldBe(RedisConnectionState.Closed);
        await Should.ThrowAsync<ObjectDisposedException>(redis.ExecuteAsync("PING"));
        await redis.DisposeAsync();
    }

    [Fact]
    public async Task ADisposedSubscriberRefusesNewSubscriptionsAndLetsOldHandlesGoQuietly()
    {
        var subscriber = await RedisSubscriber.ConnectAsync(TestRedis.Options());
        var subscription = await subscriber.SubscribeAsync(_prefix + "channel", new Inbox().Handler);

        await subscriber.DisposeAsync();

        subscriber.State.ShouldBe(RedisConnectionState.Closed);
        await Should.ThrowAsync<ObjectDisposedException>(() => subscriber.SubscribeAsync(_prefix + "other", new Inbox().Handler));
        await subscription.DisposeAsync();
    }
}
