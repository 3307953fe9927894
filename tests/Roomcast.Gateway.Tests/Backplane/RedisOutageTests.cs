using System.Diagnostics;
using Roomcast.Gateway.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit;

namespace Roomcast.Gateway.Tests.Backplane;

/// <summary>
/// Two instances on a redis-server of the test's own, which is killed and started again during
/// traffic: local delivery goes on, cross-instance sends fail fast and are counted, and delivery
/// across instances resumes on its own.
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
    public async Task WhileRedisIsDownLocalDeliveryGoesOnAndCrossInstanceSendsFailFastThenEverythingResumes()
    {
        using var failures = new FailureCounter(_cluster);
        var here = await _cluster.ConnectAsync(0, "here");
        var there = await _cluster.ConnectAsync(1, "there");
        await _cluster[0].AddToGroupAsync(there.ConnectionId, "room");
        await _cluster[0].SendAllAsync("Hello", ["before"]);
        await here.ShouldReceiveAsync("before");
        await there.ShouldReceiveAsync("before");

        await _server.KillAsync();

        await _cluster[0].SendConnectionAsync(here.ConnectionId, "Direct", ["local while down"]);
        await here.ShouldReceiveAsync("local while down");

        var clock = Stopwatch.StartNew();
        await Should.ThrowAsync<RedisException>(() => _cluster[0].SendAllAsync("Hello", ["all while down"]));
        await Should.ThrowAsync<RedisException>(() => _cluster[0].SendConnectionAsync(there.ConnectionId, "Direct", ["remote while down"]));
        await Should.ThrowAsync<RedisException>(() => _cluster[0].AddToGroupAsync(there.ConnectionId, "other"));
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(1), "cross-instance sends fail fast, they do not wait for Redis");
        await here.ShouldReceiveAsync("all while down");
        failures.PublishFailures.ShouldBeGreaterThanOrEqualTo(3);

        // Joins while Redis is away still count locally, and their channels are subscribed once it is back.
        var late = await _cluster.ConnectAsync(1, "late");
        await _cluster[1].AddToGroupAsync(late.ConnectionId, "late-room");
        await _cluster[1].SendGroupAsync("late-room", "Group", ["local group while down"]).ShouldThrowAsync<RedisException>();
        await late.ShouldReceiveAsync("local group while down");

        await _server.StartAgainAsync();

        await SendUntilDeliveredAsync(() => _cluster[0].SendGroupAsync("room", "Group", ["after"]), there, "after");
        await SendUntilDeliveredAsync(() => _cluster[0].SendGroupAsync("late-room", "Group", ["late after"]), late, "late after");
        await SendUntilDeliveredAsync(() => _cluster[0].SendConnectionAsync(there.ConnectionId, "Direct", ["direct after"]), there, "direct after");
        await SendUntilDeliveredAsync(() => _cluster[1].SendAllAsync("Hello", ["all after"]), here, "all after");
    }

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
