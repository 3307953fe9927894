using System.Diagnostics;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Roomcast.Gateway.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit;

namespace Roomcast.Gateway.Tests.Backplane;

/// <summary>
/// Two instances on a redis-server of the test's own, which is killed and started again during
/// traffic: connections are still accepted and Roomcast's audience path still delivers locally,
/// hub-level sends that need Redis fail fast, and once Redis is back they flow again.
/// </summary>
public sealed class RedisOutageTests : IAsyncLifetime
{
    private RedisServerProcess _server = null!;
    private BackplaneCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _server = await RedisServerProcess.StartAsync();
        _cluster = await BackplaneCluster.StartAsync(2, _server.Endpoint);
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task WhileRedisIsDownConnectionsAreAcceptedAndServedLocallyAndHubSendsFailFastThenTheyResume()
    {
        var here = await _cluster.ConnectAsync(0, "here");
        var beside = await _cluster.ConnectAsync(0, "beside");
        var there = await _cluster.ConnectAsync(1, "there");
        await _cluster[0].AddToGroupAsync(there.ConnectionId, "room");
        await _cluster[0].SendAllAsync("Hello", ["before"]);
        await here.ShouldReceiveAsync("before");
        await beside.ShouldReceiveAsync("before");
        await there.ShouldReceiveAsync("before");

        await _server.KillAsync();

        await _cluster[0].SendConnectionAsync(here.ConnectionId, "Direct", ["local while down"]);
        await here.ShouldReceiveAsync("local while down");

        var clock = Stopwatch.StartNew();
        await Should.ThrowAsync<RedisException>(() => _cluster[0].SendAllAsync("Hello", ["all while down"]));
        await Should.ThrowAsync<RedisException>(() => _cluster[0].SendConnectionAsync(there.ConnectionId, "Direct", ["remote while down"]));
        await Should.ThrowAsync<RedisException>(() => _cluster[0].AddToGroupAsync(there.ConnectionId, "other"));
        await Should.ThrowAsync<RedisException>(() => _cluster[0].AddToGroupAsync(here.ConnectionId, "joined while down"));
        await Should.ThrowAsync<RedisException>(() => _cluster[0].AddToGroupAsync(beside.ConnectionId, "joined while down"));
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(1), "hub-level sends fail fast, they do not wait for Redis");

        // A connection made while Redis is away is accepted, and Roomcast's events reach it.
        var late = await _cluster.ConnectAsync(1, "late", userId: "carol");
        _cluster.LocalConnections(1).Write([late.ConnectionId], Event("event while down")).ShouldBe(1);
        await late.ShouldReceiveAsync("event while down");

        await _server.StartAgainAsync();

        await SendUntilDeliveredAsync(() => _cluster[0].SendGroupAsync("room", "Group", ["after"]), there, "after");
        await SendUntilDeliveredAsync(() => _cluster[0].SendConnectionAsync(there.ConnectionId, "Direct", ["direct after"]), there, "direct after");
        await SendUntilDeliveredAsync(() => _cluster[1].SendAllAsync("Hello", ["all after"]), here, "all after");
        // The joins that failed left nothing behind: joining again works.
        await _cluster[0].AddToGroupAsync(here.ConnectionId, "joined while down");
        await _cluster[0].AddToGroupAsync(beside.ConnectionId, "joined while down");
        await SendUntilDeliveredAsync(() => _cluster[1].SendGroupAsync("joined while down", "Group", ["joined after"]), here, "joined after");
        await SendUntilDeliveredAsync(() => Task.CompletedTask, beside, "joined after");
        _cluster.LocalConnections(1).Write([late.ConnectionId], Event("event after")).ShouldBe(1);
        await late.ShouldReceiveAsync("event after");
        var fresh = await _cluster.ConnectAsync(1, "fresh", userId: "carol");
        await SendUntilDeliveredAsync(() => _cluster[0].SendAllAsync("Hello", ["all to fresh"]), fresh, "all to fresh");
        await SendUntilDeliveredAsync(() => _cluster[0].SendUserAsync("carol", "User", ["to carol"]), fresh, "to carol");

        // The connection made while Redis was away leaves cleanly.
        await _cluster[1].OnDisconnectedAsync(late);
    }

    [Fact]
    public async Task AnInstanceStartedWhileRedisIsDownAcceptsConnectionsAndJoinsTheBackplaneOnceRedisIsBack()
    {
        var here = await _cluster.ConnectAsync(0, "here");
        await _server.KillAsync();

        await _cluster.AddInstanceAsync(waitForRedis: false);
        var early = await _cluster.ConnectAsync(2, "early");
        _cluster.LocalConnections(2).Write([early.ConnectionId], Event("event while down")).ShouldBe(1);
        await early.ShouldReceiveAsync("event while down");
        await Should.ThrowAsync<RedisException>(() => _cluster[2].SendAllAsync("Hello", ["all while down"]));

        await _server.StartAgainAsync();

        var clock = Stopwatch.StartNew();
        while (!_cluster.Multiplexer(2).GetSubscriber().IsConnected())
        {
            clock.Elapsed.ShouldBeLessThan(TestRedis.Patience, "the new instance reconnects on its own");
            await Task.Delay(TimeSpan.FromMilliseconds(50)); // poll interval
        }
        var after = await _cluster.ConnectAsync(2, "after");
        await SendUntilDeliveredAsync(() => _cluster[0].SendAllAsync("Hello", ["to the new instance"]), after, "to the new instance");
        await SendUntilDeliveredAsync(() => _cluster[2].SendAllAsync("Hello", ["from the new instance"]), here, "from the new instance");
        await _cluster[2].OnDisconnectedAsync(early);
    }

    private static SerializedHubMessage Event(string text) => new(new InvocationMessage("Event", [text]));

    /// <summary>
    /// Sends until <paramref name="target"/> receives <paramref name="expected"/>: after a restart, the instances reconnect on
    /// their own, each at its own moment, and pub/sub drops what is published before a subscriber is back.
    /// </summary>
    private static async Task SendUntilDeliveredAsync(Func<Task> send, TestConnection target, string expected)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await send();
                while ((await target.NextAsync(TimeSpan.FromMilliseconds(500))).Argument != expected)
                {
                    // a late copy of an earlier step's message
                }
                return;
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException && deadline.Elapsed < TestRedis.Patience)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50)); // poll interval while Redis is not back yet
            }
        }
    }
}
