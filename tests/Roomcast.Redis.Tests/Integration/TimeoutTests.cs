using System.Diagnostics;
using Roomcast.Redis.Tests.Infrastructure;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Roomcast.Redis.Tests.Integration;

/// <summary>A stalled server (<c>CLIENT PAUSE</c>, on a redis-server of the test's own, so no one else stalls).</summary>
public sealed class TimeoutTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TestLogger _log = new(output);
    private RedisServerProcess _server = null!;

    public async Task InitializeAsync() => _server = await RedisServerProcess.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ACommandTheServerDoesNotAnswerInTimeFailsWithATimeoutAndLaterRepliesStayMatched()
    {
        var options = TestRedis.Options(_server.Endpoint);
        options.CommandTimeout = TimeSpan.FromMilliseconds(200);
        await using var redis = await RedisConnection.ConnectAsync(options, _log);
        var adminOptions = TestRedis.Options(_server.Endpoint);
        adminOptions.CommandTimeout = TimeSpan.FromSeconds(30);
        await using var admin = await RedisConnection.ConnectAsync(adminOptions);
        await redis.SetAsync("a", "value of a");
        await redis.SetAsync("b", "value of b");

        await admin.ExecuteAsync("CLIENT", "PAUSE", 1_500);
        var stalled = Stopwatch.StartNew();
        var timeout = await Should.ThrowAsync<TimeoutException>(redis.GetAsync("a").WaitAsync(TestRedis.Patience));
        stalled.Stop();

        timeout.Message.ShouldContain("GET");
        timeout.Message.ShouldContain("200 ms");
        stalled.ElapsedMilliseconds.ShouldBeInRange(150, 1_400); // the timeout, not the late reply, ended the wait
        redis.State.ShouldBe(RedisConnectionState.Connected);

        await admin.PingAsync(); // answered once the pause is over
        (await redis.GetAsync("b")).AsString().ShouldBe("value of b"); // not the late reply to GET a
    }

    [Fact]
    public async Task CommandsQueuedBehindAStalledOneTimeOutTooThoughRedisMayStillCarryThemOut()
    {
        var options = TestRedis.Options(_server.Endpoint);
        options.CommandTimeout = TimeSpan.FromMilliseconds(200);
        await using var redis = await RedisConnection.ConnectAsync(options, _log);
        await using var admin = await RedisConnection.ConnectAsync(TestRedis.Options(_server.Endpoint));

        await admin.ExecuteAsync("CLIENT", "PAUSE", 1_000);
        var commands = Enumerable.Range(0, 50).Select(i => redis.IncrByAsync("counter", 1)).ToArray();

        foreach (var command in commands)
        {
            await Should.ThrowAsync<TimeoutException>(command.WaitAsync(TestRedis.Patience));
        }
        await admin.PingAsync();
        // They were sent before they timed out: a timeout says "no answer in time", not "not done".
        (await redis.IncrByAsync("counter", 1)).ShouldBe(51);
    }
}
