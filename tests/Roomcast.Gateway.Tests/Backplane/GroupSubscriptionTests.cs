using System.Diagnostics;
using Roomcast.Gateway.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit;

namespace Roomcast.Gateway.Tests.Backplane;

/// <summary>Which channels an instance listens to, and group commands to other instances.</summary>
public sealed class GroupSubscriptionTests : IAsyncLifetime
{
    private BackplaneCluster _cluster = null!;
    private ConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync()
    {
        _cluster = await BackplaneCluster.StartAsync(2, ackTimeout: TimeSpan.FromMilliseconds(500));
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
        (await GroupChannelsAsync()).ShouldBeEmpty();
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

    [Fact]
    public async Task ConnectionsAndUsersAddNoChannelOfTheirOwn()
    {
        // A first connection waits for its instance's own channels, so they are all in the baseline.
        await _cluster.ConnectAsync(0, "first-here");
        await _cluster.ConnectAsync(1, "first-there");
        var before = await ChannelsAsync();

        for (var index = 0; index < 10; index++)
        {
            await _cluster.ConnectAsync(index % 2, $"connection-{index}", userId: $"user-{index % 3}");
        }

        (await ChannelsAsync()).ShouldBe(before, ignoreOrder: true);
    }

    [Fact]
    public async Task AddingAConnectionThatNoInstanceHoldsFailsAfterTheAckTimeout()
    {
        var clock = Stopwatch.StartNew();

        await Should.ThrowAsync<TimeoutException>(() => _cluster[0].AddToGroupAsync("nobody-has-this-connection", "room"));

        clock.Elapsed.ShouldBeGreaterThanOrEqualTo(_cluster.AckTimeout - TimeSpan.FromMilliseconds(50));
        clock.Elapsed.ShouldBeLessThan(TestRedis.Patience);
    }

    [Fact]
    public async Task AddingOrRemovingAConnectionWhoseInstanceIsGoneFailsAfterTheAckTimeout()
    {
        var orphan = await _cluster.ConnectAsync(1, "orphan");
        await _cluster.StopInstanceAsync(1);

        await Should.ThrowAsync<TimeoutException>(() => _cluster[0].AddToGroupAsync(orphan.ConnectionId, "room"));
        await Should.ThrowAsync<TimeoutException>(() => _cluster[0].RemoveFromGroupAsync(orphan.ConnectionId, "room"));
    }

    private async Task<long> SubscribersOfAsync(string group)
    {
        var reply = await _redis.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", $"{_cluster.Prefix}:group:{group}");
        return (long)((RedisResult[])reply!)[1];
    }

    private Task<List<string>> GroupChannelsAsync() => ChannelsAsync("group:*");

    private async Task<List<string>> ChannelsAsync(string pattern = "*")
    {
        var reply = await _redis.GetDatabase().ExecuteAsync("PUBSUB", "CHANNELS", $"{_cluster.Prefix}:{pattern}");
        return ((RedisResult[])reply!).Select(channel => (string)channel!).ToList();
    }
}
