using Microsoft.Extensions.Logging.Abstractions;
using Roomcast.RealtimeGateway.Backplane;
using StackExchange.Redis;

namespace Roomcast.Gateway.Tests.Infrastructure;

/// <summary>One instance's <see cref="BackplaneRedis"/> on a multiplexer of its own, as in a gateway process; disposing it closes both.</summary>
internal sealed class TestBackplane : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _multiplexer;

    private TestBackplane(ConnectionMultiplexer multiplexer, BackplaneRedis redis)
    {
        _multiplexer = multiplexer;
        Redis = redis;
    }

    public BackplaneRedis Redis { get; }

    /// <summary>Started, and connected to Redis.</summary>
    public static async Task<TestBackplane> StartAsync(BackplaneOptions options, string serverName)
    {
        var multiplexer = await TestRedis.ConnectAsync(options, serverName);
        var redis = new BackplaneRedis(options, serverName, multiplexer, NullLogger<BackplaneRedis>.Instance);
        await redis.StartAsync(CancellationToken.None);
        await redis.Connected.WaitAsync(TestRedis.Patience);
        return new TestBackplane(multiplexer, redis);
    }

    public async ValueTask DisposeAsync()
    {
        await Redis.DisposeAsync();
        await _multiplexer.DisposeAsync();
    }
}
