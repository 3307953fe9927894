using Roomcast.Gateway.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit;

namespace Roomcast.Gateway.Tests.Backplane;

/// <summary>Which group channels an instance listens to, as seen from Redis.</summary>
public sealed class GroupSubscriptionTests : IAsyncLifetime
{
    private BackplaneCluster _cluster = null!;
    private ConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync()
    {
        _cluster = await BackplaneCluster.StartAsync(2);
        _redis = await TestRedis.ConnectAsync();
    }

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task AGroupChannelIsSubscribedWithTheFirstLocalMemberAndDroppedWithTheLast()
    {
        var first = await _cluster.ConnectAsync(1, "first");
        var second = await _cluster.ConnectAsync(1, "second");
        (await SubscribersOfAsync("room")).ShouldBe(0);

        await _cluster[1].AddToGroupAsync(first.ConnectionId, "room");
        (await SubscribersOfAsync("room")).ShouldBe(1);
        await _cluster[1].AddToGroupAsync(second.ConnectionId, "room");
        (await SubscribersOfAsync("room")).ShouldBe(1, "one subscription per instance, however many local members");

        await _cluster[1].RemoveFromGroupAsync(first.ConnectionId, "room");
        (await SubscribersOfAsync("room")).ShouldBe(1, "a member is left");
        await _cluster[1].OnDisconnectedAsync(second);
        (await SubscribersOfAsync("room")).ShouldBe(0, "the last local member left");
    }

    [Fact]
    public async Task AGroupChannelIsSubscribedOnlyByTheInstancesWithMembers()
    {
        var here = await _cluster.ConnectAsync(0, "here");
        var there = await _cluster.ConnectAsync(1, "there");

        await _cluster[0].AddToGroupAsync(here.ConnectionId, "both");
        await _cluster[0].AddToGroupAsync(there.ConnectionId, "both");
        await _cluster[0].AddToGroupAsync(there.ConnectionId, "remote-only");

        (await SubscribersOfAsync("both")).ShouldBe(2);
        (await SubscribersOfAsync("remote-only")).ShouldBe(1);
    }

    private async Task<long> SubscribersOfAsync(string group)
    {
        var reply = await _redis.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", _cluster.SignalRChannel($"group:{group}"));
        return (long)((RedisResult[])reply!)[1];
    }
}
