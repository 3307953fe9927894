using System.Diagnostics;
using System.Text;
using Roomcast.Gateway.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit;

namespace Roomcast.Gateway.Tests.Backplane;

/// <summary>
/// SignalR's Redis backplane shares each instance's one multiplexer with Roomcast's own channels:
/// what it names lives under the deployment's channel prefix, and what it tears down is its own.
/// </summary>
public sealed class SharedMultiplexerTests : IAsyncLifetime
{
    private ConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync() => _redis = await TestRedis.ConnectAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task TwoDeploymentsWithTheirOwnPrefixesOnOneRedisNeverHearEachOthersHubSends()
    {
        await using var red = await BackplaneCluster.StartAsync(2);
        await using var blue = await BackplaneCluster.StartAsync(2);
        var redMember = await red.ConnectAsync(1, "red", userId: "alice");
        var blueMember = await blue.ConnectAsync(1, "blue", userId: "alice");
        await red[0].AddToGroupAsync(redMember.ConnectionId, "room");
        await blue[0].AddToGroupAsync(blueMember.ConnectionId, "room");

        await red[0].SendAllAsync("Hello", ["red all"]);
        await red[0].SendGroupAsync("room", "Group", ["red group"]);
        await red[0].SendUserAsync("alice", "User", ["red user"]);
        await blue[0].SendAllAsync("Hello", ["blue fence"]);

        await redMember.ShouldReceiveAllAsync("red all", "red group", "red user");
        await blueMember.ShouldReceiveAsync("blue fence");
        await Task.Delay(TimeSpan.FromMilliseconds(200)); // room for a stray copy to arrive, were there one
        blueMember.Pending.ShouldBe(0, "the other deployment's sends never reach this one");
        (await SubscribersOfAsync(red.SignalRChannel("all"))).ShouldBe(2);
        (await SubscribersOfAsync(blue.SignalRChannel("all"))).ShouldBe(2);
    }

    [Fact]
    public async Task DisposingTheLifetimeManagerDropsItsOwnChannelsAndLeavesRoomcastsAndTheMultiplexerAlone()
    {
        await using var cluster = await BackplaneCluster.StartAsync(1);
        await cluster.ConnectAsync(0, "someone", userId: "alice");
        var ownChannel = $"{cluster.Prefix}:test-own";
        var heard = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await cluster.Redis(0).SubscribeAsync(ownChannel, (_, message) => heard.TrySetResult(Encoding.UTF8.GetString(message.Span)));
        (await SubscribersOfAsync(cluster.SignalRChannel("all"))).ShouldBe(1);

        await cluster.DisposeManagerAsync(0);

        await EventuallyAsync(async () => await SubscribersOfAsync(cluster.SignalRChannel("all")) == 0, "SignalR's channels go with its manager");
        cluster.Multiplexer(0).IsConnected.ShouldBeTrue("the process owns the multiplexer; the manager never closes it");
        (await SubscribersOfAsync(ownChannel)).ShouldBe(1, "Roomcast's own subscriptions stay");
        await _redis.GetSubscriber().PublishAsync(RedisChannel.Literal(ownChannel), "still heard");
        (await heard.Task.WaitAsync(TestRedis.Patience)).ShouldBe("still heard");
    }

    private async Task<long> SubscribersOfAsync(string channel)
    {
        var reply = await _redis.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", channel);
        return (long)((RedisResult[])reply!)[1];
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string because)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            clock.Elapsed.ShouldBeLessThan(TestRedis.Patience, because);
            await Task.Delay(TimeSpan.FromMilliseconds(20)); // poll interval
        }
    }
}
